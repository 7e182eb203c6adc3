"""The sign-in area: public by design (listed in ``access.PUBLIC_BLUEPRINTS``)."""

from flask import Blueprint

blueprint = Blueprint("auth", __name__, url_prefix="/auth")
