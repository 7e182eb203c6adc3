"""The clinician area: every route needs a signed-in account with the clinician role."""

from flask import Blueprint

from screener import access

blueprint = Blueprint("clinician", __name__, url_prefix="/clinician")
access.protect(blueprint, "clinician")
