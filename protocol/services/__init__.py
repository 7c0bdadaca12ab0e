"""The protocol's public face: what the other domains (census, monitoring...) may use of it.

Behaviour lives in the modules beside this one (`protocols`, `adhesions`, `calendar`), plain functions
taking a session, for the API, pages, jobs and tests. Other domains import only the names below: the
services, the models they name, the schemas of the forms the monitoring's timeline page shows, and the
hooks the domains above register on (`keeps_history`, `on_admission`).
"""

from protocol.dates import add_months
from protocol.models import (
    AcceptanceRule,
    AdhesionRequest,
    AdhesionStatus,
    Decision,
    Protocol,
    ProtocolSignatory,
    SignatoryRole,
    Waiver,
)
from protocol.schemas import ProtocolSignatorySchema, WaiverSchema
from protocol.services.adhesions import MAY_ADHERE, on_admission, pending_voters, requests_query
from protocol.services.calendar import LABELS, Milestone, milestone_keys, milestones
from protocol.services.protocols import (
    add_signatory,
    get_protocol,
    grant_waiver,
    keeps_history,
    participating_tenants,
    protocols_query,
    waivers,
)

__all__ = [
    "AcceptanceRule", "AdhesionRequest", "AdhesionStatus", "Decision", "LABELS", "MAY_ADHERE", "Milestone",
    "Protocol", "ProtocolSignatory", "ProtocolSignatorySchema", "SignatoryRole", "Waiver", "WaiverSchema",
    "add_months", "add_signatory", "get_protocol", "grant_waiver", "keeps_history", "milestone_keys", "milestones",
    "on_admission", "participating_tenants", "pending_voters", "protocols_query", "requests_query", "waivers",
]
