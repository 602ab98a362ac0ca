"""Checks of the documents a client receives: content (``content``) and form (``form``)."""
