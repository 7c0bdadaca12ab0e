"""Pages of the funding module: funding lines and their imports, projects with their explained matches,
milestones and funding plans, and the operational plan editor.

The forms write through the same services as the API; a refused form comes back with the messages beside
its fields and what was typed still in them (400 for malformed input, else the service's status).
"""

from __future__ import annotations

from flask import Blueprint

# The templates stay in the funding package, beside the other rooms.
bp = Blueprint("funding_pages", "funding", template_folder="templates")

from funding.views import cohesion, funding_lines, operational_plans, projects  # noqa: E402,F401  (they add routes to bp)
