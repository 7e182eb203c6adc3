"""The admin area: every route needs a signed-in account with the admin role."""

from flask import Blueprint

from screener import access

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
access.protect(blueprint, "admin")
