"""Discarding a draft nobody wants: a confirmation page, then a POST, then the audit row.

The revision is not deleted (stored revisions never are); it is set aside, so the list,
the editor and publishing leave it out while the record of it stays.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from screener.services import content, editing
from screener.staff import blueprint
from screener.staff.forms import DiscardForm
from screener.unit_of_work import change


@blueprint.route("/definitions/<key>/<int:number>/discard", methods=["GET", "POST"])
def discard(key: str, number: int):
    """Ask, then set an unpublished draft aside."""
    row = editing.revision(key, number) or abort(404)
    form = DiscardForm()
    page = {"row": row, "form": form, "live": content.live_version(key)}
    if row.published_at is not None or row.discarded_at is not None:
        flash(f"Revision {number} cannot be discarded: only a draft in use can be.", "error")
        return redirect(url_for("staff.revision", key=key, number=number))
    if not form.is_submitted():
        return render_template("staff/discard.html", **page)
    if not form.validate():
        return render_template("staff/discard.html", **page), 400
    try:
        with change("definition.discard", reference=f"{key} rev {number}"):
            editing.discard(key, number)
    except editing.EditError as exc:
        flash(str(exc).capitalize() + ".", "error")
        return redirect(url_for("staff.versions", key=key))
    flash(
        f"Draft revision {number} was discarded. It is kept on record but no longer used.",
        "success",
    )
    return redirect(url_for("staff.versions", key=key))
