"""Clinic settings: name, contact, urgent-help line, time zone and date order, referral
providers, retention periods and the waiting room's limit on new screenings per address."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from screener import audit
from screener.edge import parse_id
from screener.services import clinic
from screener.staff import blueprint
from screener.staff.forms import PROVIDER_ROWS_FREE, settings_form_class
from screener.unit_of_work import change, write
from screener.urgent_help import DEFAULT as URGENT_HELP_DEFAULT
from screener.urgent_help import MAX_LENGTH as URGENT_HELP_MAX


@blueprint.route("/settings", methods=["GET", "POST"])
def settings():
    """Edit the settings; a save based on an older copy is refused with the values kept."""
    with write():
        saved = clinic.ensure_settings()
    if request.method == "GET":
        form_class = settings_form_class(len(saved.providers or []) + PROVIDER_ROWS_FREE)
        form = form_class(
            data={
                "name": saved.name,
                "contact": saved.contact,
                "urgent_help": saved.urgent_help,
                "timezone": saved.timezone or current_app.config.get("TIMEZONE") or "UTC",
                "date_order": saved.date_order,
                "retention_days": saved.retention_days,
                "draft_retention_days": saved.draft_retention_days,
                "screenings_per_address": saved.screenings_per_address,
                "providers": list(saved.providers or []),
                "lock_version": str(saved.lock_version),
            }
        )
        return _render(form=form)
    form = settings_form_class(0)()
    if not form.validate():
        return _render(form=form), 400
    lock_version = parse_id(form.lock_version.data)
    if lock_version is None:
        lock_version = -1  # matches no saved copy: a conflict, with the typed values kept
    try:
        with change("settings.update") as work:
            updated, fields = clinic.update_settings(
                name=form.name.data,
                contact=form.contact.data or "",
                urgent_help=form.urgent_help.data or "",
                timezone=form.timezone.data or "",
                date_order=form.date_order.data or "",
                retention_days=form.retention_days.data,
                draft_retention_days=form.draft_retention_days.data,
                screenings_per_address=form.screenings_per_address.data,
                providers=form.kept_providers(),
                lock_version=lock_version,
            )
            work.reference = f"settings v{updated.lock_version}"
            work.detail = "changed: " + (", ".join(fields) or "nothing")
    except clinic.SettingsConflict:
        audit.record("settings.update", outcome="conflict")
        return _render(form=form, conflict=True), 409
    except clinic.SettingsError as exc:
        form.name.errors = [*form.name.errors, str(exc).capitalize() + "."]
        return _render(form=form), 400
    flash("The clinic settings are saved. New screenings use them.", "success")
    return redirect(url_for("staff.settings"))


def _render(**context) -> str:
    """The settings page; the urgent-help hint shows the default the clinic can replace."""
    return render_template(
        "staff/settings.html",
        urgent_help_default=URGENT_HELP_DEFAULT,
        urgent_help_max=URGENT_HELP_MAX,
        **context,
    )
