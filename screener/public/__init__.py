"""Pages anyone may open: the landing page and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from screener.extensions import db

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def index():
    """The landing page: what the screener is and is not, consent and the choice of screeners."""
    from screener.patient import presenters
    from screener.patient.views import open_here

    return render_template(
        "public/index.html",
        form=presenters.StartForm(),
        open_here=open_here(),
        **presenters.landing(),
    )


@blueprint.get("/healthz")
def health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
