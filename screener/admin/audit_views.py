"""The audit log for admins: filter with GET, look up one reference code with POST."""

from __future__ import annotations

from flask import render_template, request

from screener import audit, paging
from screener.admin import audit_log
from screener.admin.blueprint import blueprint
from screener.admin.forms import AuditFilterForm, FindEventsForm, action_choices

FILTER_FIELDS = ("actor", "action", "outcome", "date_from", "date_to")


@blueprint.get("/audit", endpoint="audit_log")
def audit_log_page():
    """Events newest first, filtered by account, action, outcome and date."""
    form = AuditFilterForm(request.args)
    form.action.choices = action_choices(audit_log.actions(), request.args.get("action"))
    valid = form.validate()
    filters = audit_log.AuditFilters(
        actor=form.actor.data or "",
        action=form.action.data or "",
        outcome=form.outcome.data or "",
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
    )
    number = paging.number(request.args.get("page")) or 1
    events, total, number, pages = audit_log.page(filters, number)
    # Only the filter form's own fields go into the page links: any other name would be
    # read by url_for as one of its options (_method, _anchor, _external).
    args = {k: v for k, v in request.args.items() if k in FILTER_FIELDS and v}
    # Reading the trail is itself recorded, as the API's reading of it is.
    described = [f"{k}={v}" for k, v in args.items()] + ([f"page={number}"] if number > 1 else [])
    audit.record("audit.list", detail=", ".join(described)[:500] or "all")
    return (
        render_template(
            "admin/audit.html",
            form=form,
            find_form=FindEventsForm(),
            events=events,
            total=total,
            number=number,
            pages=pages,
            args=args,
            found=None,
        ),
        200 if valid else 400,
    )


@blueprint.post("/audit/find")
def audit_find():
    """Every event about one reference code (the lookup itself is audited)."""
    find_form = FindEventsForm()
    form = AuditFilterForm(formdata=None)
    form.action.choices = action_choices(audit_log.actions())
    found, status = None, 400
    if find_form.validate_on_submit():
        reference = find_form.reference.data.strip()
        audit.record("audit.search", reference=reference)
        found, status = audit_log.about(reference), 200
    return (
        render_template(
            "admin/audit.html",
            form=form,
            find_form=find_form,
            events=[],
            total=0,
            number=1,
            pages=1,
            args={},
            found=found,
        ),
        status,
    )
