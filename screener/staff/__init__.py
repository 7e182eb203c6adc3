"""The staff area: questionnaire editor and clinic settings; and the admin erasure page.

Both blueprints are guarded as a whole by ``screener.access.protect``, so every route
added here needs the role without a decorator of its own.
"""

from __future__ import annotations

from flask import Blueprint

from screener.access import protect

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
protect(blueprint, "staff")

# Erasing a screening is an admin's decision, not a staff member's.
admin_blueprint = Blueprint("staff_admin", __name__, url_prefix="/admin/erasure")
protect(admin_blueprint, "admin")

from screener.staff import (  # noqa: E402  (the views attach themselves to the blueprints)
    definition_views,
    draft_views,
    erasure_views,
    settings_views,
    structured_views,
)

__all__ = [
    "admin_blueprint",
    "blueprint",
    "definition_views",
    "draft_views",
    "erasure_views",
    "settings_views",
    "structured_views",
]
