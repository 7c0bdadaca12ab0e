"""The protocol's public face: what the other domains (census, monitoring...) may use of it.

Behaviour lives in the modules beside this one (`protocols`, `adhesions`, `calendar`), plain functions
taking a session, for the API, pages, jobs and tests. Other domains import only the names below.
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
from protocol.services.adhesions import MAY_ADHERE, on_admission, pending_voters, requests_query
from protocol.services.calendar import LABELS, Milestone, milestone_keys, milestones
from protocol.services.protocols import (
    get_protocol,
    grant_waiver,
    keeps_history,
    participating_tenants,
    protocols_query,
    waivers,
)

__all__ = [
    "LABELS", "MAY_ADHERE", "AcceptanceRule", "AdhesionRequest", "AdhesionStatus", "Decision", "Milestone",
    "Protocol", "ProtocolSignatory", "SignatoryRole", "Waiver", "add_months", "get_protocol", "grant_waiver",
    "keeps_history", "milestone_keys", "milestones", "on_admission", "participating_tenants", "pending_voters",
    "protocols_query", "requests_query", "waivers",
]
