"""Erasing one screening by reference code (admins): find, confirm, erase.

The confirmation page shows only when the screening was started and submitted, never
answers or results; the audit row keeps the code, who and when, without health data.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from screener import audit, codes, unit_of_work
from screener.services import retention, screenings
from screener.staff import admin_blueprint
from screener.staff.forms import EraseForm, FindScreeningForm

NOT_FOUND = "No screening has that reference code. Check it and try again."


@admin_blueprint.get("/")
def find():
    return render_template("staff/erase_find.html", form=FindScreeningForm())


@admin_blueprint.post("/confirm")
def confirm():
    """Step two: show which screening would go, and ask for confirmation."""
    form = FindScreeningForm()
    if not form.validate():
        return render_template("staff/erase_find.html", form=form), 400
    screening = screenings.by_code(form.code.data)
    # A lookup shows whether a screening exists and when it was submitted: audited like
    # the clinicians' search, before anything is shown.
    if screening is None:
        audit.record("screening.search", reference=form.code.data.strip()[:40], outcome="not_found")
        form.code.errors = [NOT_FOUND]
        return render_template("staff/erase_find.html", form=form), 404
    audit.record("screening.search", reference=codes.format_code(screening.reference_code))
    erase_form = EraseForm(formdata=None, code=screening.reference_code)
    return render_template(
        "staff/erase_confirm.html",
        form=erase_form,
        screening=screening,
        code=codes.format_code(screening.reference_code),
    )


@admin_blueprint.post("/erase")
def erase():
    form = EraseForm()
    screening = screenings.by_code(form.code.data or "")
    if screening is None:
        flash(NOT_FOUND, "error")
        return redirect(url_for("staff_admin.find"))
    if not form.validate():
        return (
            render_template(
                "staff/erase_confirm.html",
                form=form,
                screening=screening,
                code=codes.format_code(screening.reference_code),
            ),
            400,
        )
    code = screening.reference_code
    with unit_of_work.change("screening.erase", reference=code) as work:
        reports = retention.erase(screening)
        work.detail = f"erased with {reports} stored PDF(s)"
    retention.finish()
    # Flashed messages travel in the (signed, not encrypted) session cookie: no code.
    flash("The screening has been erased, with its stored PDF summaries.", "success")
    return redirect(url_for("staff_admin.find"))
