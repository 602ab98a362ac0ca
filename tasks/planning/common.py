"""What the planning rooms share: the labels of phases, milestones, roles and priorities
in both languages (``changeflow.bilingual.pick`` chooses one), and today's date in the
service's time zone.
"""

from __future__ import annotations

from datetime import date, datetime

from changeflow.bilingual import PHASES
from changeflow.settings import get_settings

PHASE_LABELS = PHASES  # the kit's table, under the name the planning rooms use
MILESTONE_LABELS = {
    "analysis": ("需求确认", "Requirements confirmed"),
    "development": ("开发完成", "Development complete"),
    "testing": ("测试通过", "Testing passed"),
    "golive": ("系统上线", "System live"),
    "acceptance": ("项目验收", "Project accepted"),
}
ROLE_LABELS = {
    "project_lead": ("项目经理", "Project lead"),
    "analyst": ("需求分析师", "Analyst"),
    "designer": ("设计师", "Designer"),
    "developer": ("开发工程师", "Developer"),
    "tester": ("测试工程师", "Tester"),
    "engineer": ("实施工程师", "Engineer"),
}
PRIORITY_LABELS = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}


def today_local() -> date:
    return datetime.now(get_settings().tz).date()
