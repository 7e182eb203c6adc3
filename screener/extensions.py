"""Flask extensions, created unbound. This module never imports the app."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from screener.client_address import client_address
from screener.database import RequestSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Requests read through the read engine, see screener.database.
db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[])

# The patient's pages between starting and finishing a screening carry no rate limit (the
# limits are on starting one, on kiosk codes and links, on sign-in and on the API). For
# these the limiter would still resolve, on every request, the limits that are not there
# (about 4 % of a step page's instructions). A test keeps this list free of limits.
NO_LIMITS = frozenset(
    {
        "patient.step",
        "patient.review",
        "patient.submit",
        "patient.results",
        "patient.summary_pdf",
        "patient.started",
        "patient.ended",
    }
)


@limiter.request_filter
def _has_no_limits() -> bool:
    return request.endpoint in NO_LIMITS


login_manager = LoginManager()
