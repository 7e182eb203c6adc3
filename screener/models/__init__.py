"""Typed SQLAlchemy models, one module per thing stored. Imported here for Alembic."""

from screener.models.audit import AuditEvent
from screener.models.clinic import ClinicSettings
from screener.models.content import ContentVersion
from screener.models.invitation import Invitation, InvitationSeries
from screener.models.render_job import RenderJob
from screener.models.review import ReviewNote
from screener.models.screening import Answer, Screening, ScreeningInstrument, ScreeningResult
from screener.models.service_token import ServiceToken
from screener.models.stored_report import StoredReport
from screener.models.user import ROLES, User, UserRole

__all__ = [
    "ROLES",
    "Answer",
    "AuditEvent",
    "ClinicSettings",
    "ContentVersion",
    "Invitation",
    "InvitationSeries",
    "RenderJob",
    "ReviewNote",
    "Screening",
    "ScreeningInstrument",
    "ScreeningResult",
    "ServiceToken",
    "StoredReport",
    "User",
    "UserRole",
]
