"""The structured editor: change a questionnaire or the texts through plain form fields.

Every button is a POST that carries the whole document being edited (a hidden field),
so moving, adding and removing work without JavaScript and nothing is stored until
"Save as draft". Saving goes through ``editing.save_draft`` exactly like a YAML edit.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from screener import audit
from screener.definitions import round_trip
from screener.definitions.loading import DefinitionError
from screener.definitions.yaml_source import SourceError, parse
from screener.edge import parse_id
from screener.services import editing, protection, structured
from screener.services.structured_fields import ITEM_TYPES
from screener.services.structured_layout import all_fields, groups
from screener.services.version_diff import describe
from screener.staff import blueprint
from screener.staff.preview import pages_from_text
from screener.staff.structured_forms import structured_form
from screener.unit_of_work import change

PREVIEW_ACTIONS = ("preview", "phone")


@blueprint.route("/definitions/<key>/structured", methods=["GET", "POST"])
def structured_edit(key: str):
    """Edit the newest revision field by field; "Save as draft" stores a new revision."""
    latest = editing.head(key) or abort(404)
    if request.method == "GET":
        try:
            document = round_trip.load(latest.source_text)
        except SourceError as exc:
            flash(f"{exc.message.capitalize()}: {exc.hint}.", "error")
            return redirect(url_for("staff.edit", key=key))
        hidden = {"based_on": str(latest.revision), "note": "", "confirm_protected": False}
        return _page(key, latest, document, hidden)
    try:
        text = editing.normalise(request.form.get("working", "")).decode("utf-8")
        document = round_trip.load(text)
    except (SourceError, UnicodeDecodeError, ValueError):
        abort(400)
    if not isinstance(document, dict):
        abort(400)
    try:
        # Every page of this editor is drawn from groups(document): a document of the
        # wrong shape (sections as a string, items as a number) was not sent by it.
        shaped = groups(document)
        # The preview page posts the document alone; the editor posts every field as well.
        fields = all_fields(shaped) if request.form.get("values") == "1" else []
    except (AttributeError, TypeError, KeyError):
        abort(400)
    form = structured_form(fields, posted=True)
    if not form.validate():
        if not fields:
            abort(400)  # only a forged or expired preview form gets here
        return _page(key, latest, document, form=form), 400
    try:
        values = {item.name: form[item.name].data for item in fields}
        structured.apply_values(document, fields, values)
    except structured.ActionError:
        abort(400)
    hidden = {
        "based_on": form.based_on.data,
        "note": form.note.data,
        "confirm_protected": form.confirm_protected.data,
    }
    action = request.form.get("action", "")
    message = None
    if action not in ("save", "edit", *PREVIEW_ACTIONS):
        where = action.partition(":")[2]
        try:
            message = structured.apply_action(
                document, action, request.form.get(f"new_type-{where}")
            )
        except structured.ActionError as exc:
            return _page(key, latest, document, hidden, error=str(exc)), 400
    text = round_trip.dump(document)
    if action == "save":
        return _save(key, latest, document, text, hidden)
    if action in PREVIEW_ACTIONS:
        try:
            pages = pages_from_text(text, key)
        except DefinitionError as exc:
            return _page(key, latest, document, hidden, problems=exc.problems, text=text), 422
        return render_template(
            "staff/structured_preview.html",
            key=key,
            latest=latest,
            pages=pages,
            working=text,
            hidden=hidden,
            phone=action == "phone",
            form=structured_form([], posted=False, working=text, **hidden),
        )
    return _page(key, latest, document, hidden, message=message)


def _save(key, latest, document, text: str, hidden: dict):
    number = parse_id(hidden["based_on"])
    if number is None:
        abort(400)
    based_on = editing.revision(key, number)
    try:
        with change(None) as work:  # the action (plain or protected) is known after saving
            row = editing.save_draft(
                key,
                text,
                based_on=based_on.revision if based_on else -1,
                user_id=current_user.id,
                note=hidden["note"],
                confirm_protected=bool(hidden["confirm_protected"]),
            )
            work.action, work.detail = protection.audit_entry(
                based_on and based_on.source_text, row.source_text, row.note
            )
            work.reference = f"{row.key} rev {row.revision}"
    except DefinitionError as exc:
        return _page(key, latest, document, hidden, problems=exc.problems, text=text), 422
    except editing.NeedsConfirmation as exc:
        return _page(key, latest, document, hidden, confirm=exc.changes), 409
    except editing.EditConflict as exc:
        audit.record("definition.save", reference=key, outcome="conflict")
        newest = editing.head(key) or exc.latest
        theirs = describe(based_on.source_text, newest.source_text) if based_on else []
        hidden = {**hidden, "based_on": str(newest.revision)}
        return _page(key, newest, document, hidden, conflict=newest, changes=theirs), 409
    except editing.NoChange as exc:
        flash(str(exc).capitalize() + ".", "info")
        return redirect(url_for("staff.versions", key=key))
    except editing.EditError as exc:
        return _page(key, latest, document, hidden, error=str(exc)), 409
    flash(f"Saved as draft revision {row.revision}. Preview it, then publish it.", "success")
    return redirect(url_for("staff.revision", key=row.key, number=row.revision))


def _page(key, latest, document, hidden=None, *, form=None, problems=(), text="", **extra):
    """The editor for ``document``; problems from the loader are shown at their fields."""
    found = groups(document)
    fields = all_fields(found)
    if form is None:
        form = structured_form(
            fields, posted=False, working=round_trip.dump(document), **(hidden or {})
        )
    general = _place(problems, text, fields, form)
    return render_template(
        "staff/structured.html",
        key=key,
        latest=latest,
        groups=found,
        form=form,
        fields=fields,
        general=general,
        item_types=ITEM_TYPES,
        is_texts=document.get("id") == "texts",
        reference_ids=[str(ref.get("id")) for ref in document.get("references") or []],
        protected=protection.must_stay_unaltered(latest.source_text),
        **extra,
    )


def _place(problems, text: str, fields, form) -> list[str]:
    """Attach each problem to the field its line points at; return the rest as sentences."""
    if not problems:
        return []
    try:
        marks = parse(text).marks
    except SourceError:
        marks = {}
    names = {item.path: item.name for item in fields}
    general = []
    for problem in problems:
        message = problem.message[:1].upper() + problem.message[1:] + "."
        if problem.hint:
            message += f" How to fix: {problem.hint}."
        target = _field_at(marks, names, problem.line, problem.column)
        if target is None:
            if message not in general:
                general.append(message)
        elif message not in form[target].errors:
            form[target].errors = [*form[target].errors, message]
    return general


def _field_at(marks, names, line, column) -> str | None:
    exact = [path for path, mark in marks.items() if (mark.line, mark.column) == (line, column)]
    same_line = [path for path, mark in marks.items() if mark.line == line]
    for path in sorted(exact, key=len, reverse=True) + sorted(same_line, key=len, reverse=True):
        for end in range(len(path), 0, -1):
            if path[:end] in names:
                return names[path[:end]]
    return None
