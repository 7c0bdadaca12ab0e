"""Pages of the census: campaign overview, schemas, a tenant's submissions, analysis.

The blueprint is defined here; each page group registers its routes in its own module.
"""

from __future__ import annotations

from flask import Blueprint

# The templates and static files stay in the census package, beside the other rooms.
bp = Blueprint("census_pages", "census", template_folder="templates", static_folder="static",
               static_url_path="/static/census")

from census.views import campaigns, home, overview, region_map, schemas, submissions  # noqa: E402,F401  (they add their routes to bp)
