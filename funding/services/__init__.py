"""The behaviour of the funding module, for the API, the jobs, the seed and the tests.

This is also the module's public face: other domains import only the names below (monitoring reads
which plan names which municipality and each tenant's projects; publication publishes the plans).
"""

from funding.models import OperationalPlan, PlanStatus
from funding.services.plans import PlanEntry, plan_document, plan_entries, plans_query
from funding.services.projects import projects_query, projects_summary


def render_xlsx(document: dict, lang: str = "it") -> bytes:
    """A plan document as an XLSX workbook (`funding.exports`)."""
    from funding import exports  # it reads the plans' labels from this package

    return exports.render_xlsx(document, lang)


__all__ = ["OperationalPlan", "PlanEntry", "PlanStatus", "plan_document", "plan_entries", "plans_query",
           "projects_query", "projects_summary", "render_xlsx"]
