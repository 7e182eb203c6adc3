"""The questionnaire editor: list, edit or upload, validate, preview, diff and publish.

Views stay thin: read the form, call ``screener.services.editing``, commit once, then
write the audit row (after the commit, so it never waits on the request's own lock).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from screener import audit
from screener.definitions.loading import DefinitionError
from screener.definitions.yaml_source import MAX_BYTES
from screener.edge import parse_id
from screener.services import content, editing, protection
from screener.services.version_diff import counts, describe, diff_lines
from screener.staff import blueprint
from screener.staff.forms import DefinitionForm, PublishForm
from screener.staff.preview import preview_pages
from screener.unit_of_work import change


@blueprint.get("/")
def index():
    """The staff home: what can be edited."""
    return render_template("staff/index.html", entries=editing.overview())


@blueprint.get("/definitions/<key>")
def versions(key: str):
    """Every revision of one definition, which one is live, and what each changed."""
    rows = editing.versions(key) or abort(404)
    live = content.live_version(key)
    return render_template("staff/versions.html", key=key, rows=rows, live=live)


@blueprint.route("/definitions/<key>/edit", methods=["GET", "POST"])
def edit(key: str):
    """Edit the newest revision; saving stores a new draft based on it."""
    latest = editing.head(key) or abort(404)
    form = DefinitionForm()
    if request.method == "GET":
        form.source.data = latest.source_text
        form.based_on.data = str(latest.revision)
        return render_template("staff/edit.html", form=form, key=key, latest=latest)
    return _save(form, key, latest)


@blueprint.route("/definitions/new", methods=["GET", "POST"])
def new():
    """Add a questionnaire (for example a licensed one the clinic holds)."""
    form = DefinitionForm()
    if request.method == "GET":
        form.based_on.data = "0"
        return render_template("staff/edit.html", form=form, key=None, latest=None)
    return _save(form, None, None)


def _save(form: DefinitionForm, key: str | None, latest):
    page = {"form": form, "key": key, "latest": latest}
    if not form.validate():
        return render_template("staff/edit.html", **page), 400
    raw = _submitted_text(form)
    based_on = form.based_on_revision()
    if based_on is None:
        form.source.errors = [
            *form.source.errors,
            "The form was incomplete: open the editor again.",
        ]
        return render_template("staff/edit.html", **page), 400
    if raw is None:
        form.source.errors = [*form.source.errors, "Paste the text or choose a file to upload."]
        return render_template("staff/edit.html", **page), 400
    form.source.data = raw.decode("utf-8", "replace")  # an upload is shown back in the editor
    try:
        with change(None) as work:  # the action (plain or protected) is known after saving
            row = editing.save_draft(
                key,
                raw,
                based_on=based_on,
                user_id=current_user.id,
                note=form.note.data,
                confirm_protected=form.confirm_protected.data,
            )
            base = editing.revision(row.key, based_on) if based_on else None
            work.action, work.detail = protection.audit_entry(
                base and base.source_text, row.source_text, row.note
            )
            work.reference = f"{row.key} rev {row.revision}"
    except editing.NeedsConfirmation as exc:
        return render_template("staff/edit.html", confirm=exc.changes, **page), 409
    except DefinitionError as exc:
        problems = located(exc.problems, form.source.data)
        return render_template("staff/edit.html", problems=problems, **page), 422
    except editing.EditConflict as exc:
        latest = editing.head(exc.latest.key)
        audit.record("definition.save", reference=f"{latest.key}", outcome="conflict")
        mine = editing.normalise(raw).decode("utf-8", "replace")
        # Their text stays in the editor; saving again now builds on the newer revision,
        # which the page shows them first, so any overwrite is a decision, not an accident.
        form.based_on.data = str(latest.revision)
        page["latest"] = latest
        changes = diff_lines(latest.source_text, mine)
        return (
            render_template("staff/edit.html", conflict=latest, changes=changes, **page),
            409,
        )
    except editing.NoChange as exc:
        flash(str(exc).capitalize() + ".", "info")
        return redirect(url_for("staff.versions", key=key))
    except editing.EditError as exc:
        form.source.errors = [*form.source.errors, str(exc).capitalize() + "."]
        return render_template("staff/edit.html", **page), 409
    flash(f"Saved as draft revision {row.revision}. Preview it, then publish it.", "success")
    return redirect(url_for("staff.revision", key=row.key, number=row.revision))


def located(problems, text: str) -> list[dict]:
    """Each problem with the text of the line it points at, so staff can find it."""
    lines = text.splitlines()
    return [
        {
            "line": problem.line,
            "column": problem.column,
            "message": problem.message,
            "hint": problem.hint,
            "excerpt": lines[problem.line - 1][:200]
            if problem.line and 0 < problem.line <= len(lines)
            else None,
        }
        for problem in problems
    ]


def _submitted_text(form: DefinitionForm) -> bytes | None:
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        # One byte over the limit is enough for the loader to refuse it with its message.
        return upload.read(MAX_BYTES + 1) or None
    text = form.source.data or ""
    return text.encode("utf-8") if text.strip() else None


@blueprint.get("/definitions/<key>/<int:number>")
def revision(key: str, number: int):
    """One stored revision: its text with line numbers, its state, and the publish button."""
    row = editing.revision(key, number) or abort(404)
    live = content.live_version(key)
    return render_template(
        "staff/revision.html",
        row=row,
        live=live,
        lines=row.source_text.splitlines(),
        form=PublishForm(),
    )


@blueprint.get("/definitions/<key>/<int:number>/download")
def download(key: str, number: int):
    """The stored text as a file, to edit offline and upload again."""
    row = editing.revision(key, number) or abort(404)
    return Response(
        row.source_text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{row.key}-rev{row.revision}.yaml"'},
    )


@blueprint.get("/definitions/<key>/<int:number>/preview")
def preview(key: str, number: int):
    """The revision as a patient will see it, one page at a time."""
    row = editing.revision(key, number) or abort(404)
    pages = preview_pages(row)
    page_number = request.args.get("page", default=1, type=int)
    if not 1 <= page_number <= len(pages):
        abort(404)
    return render_template(
        "staff/preview.html",
        row=row,
        page=pages[page_number - 1],
        page_number=page_number,
        total=len(pages),
    )


def _revision_arg(name: str, default: int) -> int:
    """A revision number from the query, or a 404 for one no column could hold."""
    if name not in request.args:
        return default
    number = parse_id(request.args[name])
    return number if number is not None else abort(404)


@blueprint.get("/definitions/<key>/diff")
def diff(key: str):
    """What changed between two revisions (default: the live one and the newest)."""
    rows = editing.versions(key) or abort(404)
    newest = rows[0]
    live = content.live_version(key) or rows[-1]
    old_number = _revision_arg("from", live.revision)
    new_number = _revision_arg("to", newest.revision)
    old = editing.revision(key, old_number) or abort(404)
    new = editing.revision(key, new_number) or abort(404)
    lines = diff_lines(old.source_text, new.source_text)
    return render_template(
        "staff/diff.html",
        key=key,
        old=old,
        new=new,
        lines=lines,
        counts=counts(lines),
        rows=rows,
        changes=describe(old.source_text, new.source_text),
        protected=protection.must_stay_unaltered(old.source_text),
    )


@blueprint.post("/definitions/<key>/<int:number>/publish")
def publish(key: str, number: int):
    """Make a draft live for screenings started from now on."""
    form = PublishForm()
    if not form.validate():
        abort(400)
    try:
        with change("definition.publish") as work:
            row = editing.publish(key, number)
            work.reference = f"{row.key} rev {row.revision}"
    except LookupError:
        abort(404)
    except editing.EditError as exc:
        flash(str(exc).capitalize() + ".", "error")
        return redirect(url_for("staff.revision", key=key, number=number))
    flash(
        f"Revision {row.revision} is live. New screenings use it; screenings already "
        "started keep the version they were answered on.",
        "success",
    )
    return redirect(url_for("staff.versions", key=key))
