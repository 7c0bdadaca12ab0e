"""The census's behaviour: plain functions taking a session, for the API, pages, jobs, CLI and tests.

This is also the census's public face: other domains import only from here. Besides the services it
shows the models' states they read (submissions and their states) and, for publication and
interoperability, the inventories' readers (`features`, `cadastre`, `broadband_records`), their kinds
and the cadastre's categories.
"""

from census.inventories import broadband_records, cadastre, features
from census.inventories.cadastre import CATEGORY_LABELS
from census.inventories.kinds import KINDS
from census.inventories.services import conformance_rows
from census.models import Submission, SubmissionStatus, TenantCampaignState
from census.services.analysis import indicators, inventory_figures
from census.services.campaigns import (
    STANDING_LOAD,
    TenantStanding,
    campaign_for_protocol,
    campaigns_query,
    close_campaign,
    create_campaign,
    current_campaign,
    get_campaign,
    plan_due_on,
    standings,
    tenant_due_on,
)
from census.services.exports import FORMATS, ExportFile, export_submissions
from census.services.page_reads import (
    approved_versions,
    latest_campaign,
    latest_schema,
    next_schema_version,
    openable_campaigns,
    protocols_newest_first,
    schema_keys,
    startable_schemas,
    visible_standings,
)
from census.services.reports import build_report, get_report, reports_query, request_report
from census.services.schemas import (
    approve_schema,
    create_schema,
    definition_of,
    get_schema,
    install_shipped_schemas,
    retire_schema,
    schemas_query,
    update_schema,
)
from census.services.submissions import (
    accept_submission,
    check_etag,
    create_submission,
    get_submission,
    handed_in_on,
    report_of,
    return_submission,
    submission_history,
    submissions_query,
    submit_submission,
    update_submission,
)
from protocol.services import add_months  # the protocol's calendar arithmetic, as census shows it

__all__ = [
    "CATEGORY_LABELS", "KINDS", "Submission", "SubmissionStatus", "TenantCampaignState", "broadband_records",
    "cadastre", "conformance_rows", "features",
    "FORMATS", "STANDING_LOAD", "ExportFile", "TenantStanding", "accept_submission", "add_months", "approve_schema",
    "build_report", "campaign_for_protocol", "campaigns_query", "check_etag", "close_campaign",
    "create_campaign", "create_schema", "create_submission", "current_campaign", "definition_of",
    "export_submissions", "get_campaign", "get_report", "get_schema", "get_submission", "handed_in_on", "indicators",
    "install_shipped_schemas", "inventory_figures", "plan_due_on", "report_of", "reports_query",
    "request_report", "retire_schema", "return_submission", "schemas_query", "standings",
    "submission_history", "submissions_query", "submit_submission", "tenant_due_on", "update_schema",
    "update_submission", "approved_versions", "latest_campaign", "latest_schema", "next_schema_version",
    "openable_campaigns", "protocols_newest_first", "schema_keys", "startable_schemas", "visible_standings",
]
