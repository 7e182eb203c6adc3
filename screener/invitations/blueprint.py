"""The invitations area: clinicians and staff both invite patients."""

from flask import Blueprint

from screener import access

blueprint = Blueprint("invitations", __name__, url_prefix="/invitations")
access.protect(blueprint, "clinician", "staff")
