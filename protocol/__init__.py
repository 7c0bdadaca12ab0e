"""The agreement itself: timeline, milestones, adhesions, monitoring, auditor views."""


def init_app(app, api):
    """The protocol's API and pages are registered here as they are built."""
