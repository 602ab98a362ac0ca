def approvers(days):
    """Leave longer than 3 days also needs the vice president."""
    return ["dept_manager", "vice_president"] if days > 3 else ["dept_manager"]
