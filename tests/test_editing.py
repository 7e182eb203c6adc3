"""Editing definitions: drafts, conflicts, publishing, immutability, diffs and hostile YAML."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from screener.definitions.loading import DefinitionError
from screener.extensions import db
from screener.models import ContentVersion
from screener.models.content import ImmutableVersionError
from screener.services import content, editing, screenings
from screener.services.editing import EditConflict, EditError, NoChange
from screener.services.version_diff import counts, diff_lines
from tests.helpers import asrs, fill

ASRS = "asrs-v1.1"
OLD_Q1 = "How often do you have trouble wrapping up the final details of a project"
NEW_Q1 = "How often do you find it hard to finish the last details of a project"


def save_confirmed(*args, **kwargs):
    """Save an edit of the ASRS, whose terms keep its wording unaltered, as confirmed."""
    return editing.save_draft(*args, confirm_protected=True, **kwargs)


def reworded(text: str) -> str:
    assert OLD_Q1 in text
    return text.replace(OLD_Q1, NEW_Q1)


def stricter(text: str) -> str:
    """Part A needs all six shaded answers instead of four."""
    assert "    threshold: 4\n" in text
    return text.replace("    threshold: 4\n", "    threshold: 6\n", 1)


def test_saving_stores_a_draft_that_new_screenings_do_not_use(app):
    with app.app_context():
        live = content.live_version(ASRS)
        draft = save_confirmed(
            ASRS, reworded(live.source_text), based_on=live.revision, note="plainer q1"
        )
        db.session.commit()
        assert draft.revision == live.revision + 1
        assert draft.published_at is None and draft.based_on_revision == live.revision
        assert content.live_version(ASRS).id == live.id
        screening, _ = screenings.start([ASRS])
        assert screenings.pinned(screening)[0].version.id == live.id
        entry = next(e for e in editing.overview() if e.key == ASRS)
        assert entry.live.id == live.id and entry.head.id == draft.id and entry.drafts == 1


def test_the_second_of_two_concurrent_edits_is_refused_and_nothing_is_lost(app):
    with app.app_context():
        live = content.live_version(ASRS)
        opened_by_both = live.revision
        first = save_confirmed(ASRS, reworded(live.source_text), based_on=opened_by_both)
        db.session.commit()
        second_text = stricter(live.source_text)
        with pytest.raises(EditConflict) as conflict:
            save_confirmed(ASRS, second_text, based_on=opened_by_both)
        db.session.rollback()
        assert conflict.value.latest.revision == first.revision
        stored = db.session.scalars(
            select(ContentVersion.source_text).where(ContentVersion.key == ASRS)
        ).all()
        assert second_text not in stored
        assert editing.head(ASRS).source_text == reworded(live.source_text)
        # Having seen the newer revision, the second editor may save on top of it.
        merged = save_confirmed(ASRS, stricter(reworded(live.source_text)), based_on=first.revision)
        assert merged.revision == first.revision + 1


def test_a_revision_stored_by_any_other_path_counts_as_a_newer_edit(app):
    """Whatever stored revision N + 1 (an import, another tool), a save based on N is refused."""
    with app.app_context():
        live = content.live_version(ASRS)
        db.session.add(
            ContentVersion(
                kind="questionnaire",
                key=ASRS,
                version="1.1",
                revision=live.revision + 1,
                title="racer",
                sha256="0" * 64,
                source_text="racer",
            )
        )
        db.session.flush()
        with pytest.raises(EditConflict):
            save_confirmed(ASRS, reworded(live.source_text), based_on=live.revision)
        db.session.rollback()


def test_saving_the_same_text_again_stores_nothing(app):
    with app.app_context():
        live = content.live_version(ASRS)
        with pytest.raises(NoChange):
            save_confirmed(ASRS, live.source_text.replace("\n", "\r\n"), based_on=live.revision)


def test_restoring_an_earlier_wording_is_a_new_revision(app):
    with app.app_context():
        live = content.live_version(ASRS)
        changed = save_confirmed(ASRS, reworded(live.source_text), based_on=live.revision)
        editing.publish(ASRS, changed.revision)
        restored = save_confirmed(ASRS, live.source_text, based_on=changed.revision)
        editing.publish(ASRS, restored.revision)
        db.session.commit()
        assert content.live_version(ASRS).id == restored.id
        assert restored.sha256 == live.sha256 and restored.id != live.id


def test_publish_makes_new_screenings_use_it_while_old_ones_keep_their_wording_and_score(app):
    with app.app_context():
        old_version = content.live_version(ASRS)
        old, _ = screenings.start([ASRS])
        four_shaded = asrs(["often", "often", "often", "often", "never", "never"])
        fill(old, {ASRS: four_shaded})
        assert screenings.submit(old)
        db.session.commit()

        draft = save_confirmed(
            ASRS, stricter(reworded(old_version.source_text)), based_on=old_version.revision
        )
        published = editing.publish(ASRS, draft.revision)
        db.session.commit()
        assert content.live_version(ASRS).id == published.id

        new, _ = screenings.start([ASRS])
        fill(new, {ASRS: four_shaded})
        screenings.submit(new)
        db.session.commit()
        db.session.expire_all()

        old_summary = screenings.summary(screenings.by_code(old.reference_code))
        new_summary = screenings.summary(screenings.by_code(new.reference_code))
        old_q1 = old_summary.instruments[0].definition.item("q1").text
        new_q1 = new_summary.instruments[0].definition.item("q1").text
        assert old_q1.startswith(OLD_Q1) and new_q1.startswith(NEW_Q1)
        assert old_summary.instruments[0].revision == old_version.revision
        assert old_summary.instruments[0].result.outcome.value == "consistent"
        assert new_summary.instruments[0].result.outcome.value == "not_consistent"


def test_published_and_draft_versions_cannot_be_changed(app):
    with app.app_context():
        live = content.live_version(ASRS)
        live.source_text = reworded(live.source_text)
        with pytest.raises(ImmutableVersionError):
            db.session.flush()
        db.session.rollback()
        live = content.live_version(ASRS)
        live.published_at = None
        with pytest.raises(ImmutableVersionError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE content_versions SET source_text = 'rewritten' WHERE id = :id",
        "UPDATE content_versions SET sha256 = 'x' WHERE id = :id",
        "UPDATE content_versions SET title = 'x', note = 'x' WHERE id = :id",
        "UPDATE content_versions SET revision = revision + 100 WHERE id = :id",
        "UPDATE content_versions SET published_at = NULL WHERE id = :id",
        "UPDATE content_versions SET published_at = created_at WHERE id = :id",
        "UPDATE content_versions SET created_by_id = 1 WHERE id = :id",
        "DELETE FROM content_versions WHERE id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_stored_version(app, statement):
    """A bug or a script going around the ORM still cannot rewrite a pinned wording."""
    with app.app_context():
        live = content.live_version(ASRS)
        version_id, stored = live.id, (live.sha256, live.source_text, live.published_at)
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(text(statement), {"id": version_id})
            db.session.flush()
        db.session.rollback()
        again = db.session.get(ContentVersion, version_id)
        assert (again.sha256, again.source_text, again.published_at) == stored


def test_the_database_allows_publishing_a_draft_and_forgetting_its_author(app):
    with app.app_context():
        live = content.live_version(ASRS)
        draft = save_confirmed(ASRS, reworded(live.source_text), based_on=live.revision)
        db.session.commit()
        draft_id = draft.id
        db.session.execute(
            text("UPDATE content_versions SET published_at = created_at WHERE id = :id"),
            {"id": draft_id},
        )
        db.session.execute(
            text("UPDATE content_versions SET created_by_id = NULL WHERE id = :id"),
            {"id": draft_id},
        )
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(ContentVersion, draft_id)
        assert stored.published_at is not None and stored.created_by_id is None


def test_publish_refuses_twice_and_refuses_revisions_older_than_the_live_one(app):
    with app.app_context():
        live = content.live_version(ASRS)
        older = save_confirmed(ASRS, reworded(live.source_text), based_on=live.revision)
        newer = save_confirmed(ASRS, stricter(reworded(live.source_text)), based_on=older.revision)
        editing.publish(ASRS, newer.revision)
        with pytest.raises(EditError, match="already published"):
            editing.publish(ASRS, newer.revision)
        with pytest.raises(EditError, match="already live and newer"):
            editing.publish(ASRS, older.revision)
        with pytest.raises(LookupError):
            editing.publish(ASRS, 999)


def test_the_id_in_the_text_must_match_the_definition_edited(app):
    with app.app_context():
        live = content.live_version(ASRS)
        hijack = live.source_text.replace("id: asrs-v1.1", "id: rls-irlssg")
        with pytest.raises(DefinitionError) as error:
            save_confirmed(ASRS, hijack, based_on=live.revision)
        problem = error.value.problems[0]
        assert "rls-irlssg" in problem.message and problem.line == 7
        texts = content.live_version("texts")
        with pytest.raises(DefinitionError):
            editing.save_draft("texts", live.source_text, based_on=texts.revision)


def test_a_new_definition_can_be_added_but_not_over_an_existing_one(app):
    with app.app_context():
        text = content.live_version(ASRS).source_text
        new_text = text.replace("id: asrs-v1.1", "id: asrs-copy")
        row = editing.save_draft(None, new_text, based_on=0)
        assert (row.key, row.revision, row.published_at) == ("asrs-copy", 1, None)
        with pytest.raises(EditError, match="already exists"):
            editing.save_draft(None, text, based_on=0)


def test_texts_are_edited_the_same_way(app):
    with app.app_context():
        texts = content.live_version("texts")
        changed = texts.source_text.replace("A screen, not a diagnosis", "Only a screen")
        draft = editing.save_draft("texts", changed, based_on=texts.revision)
        assert draft.kind == "texts" and draft.title == editing.TEXTS_TITLE
        editing.publish("texts", draft.revision)
        assert content.texts_of(content.live_version("texts")).paragraphs[
            "not_a_diagnosis"
        ].title == ("Only a screen")


HOSTILE = {
    "python tag": ("x: !!python/object/apply:os.system ['true']\n", "tag"),
    "alias": ("a: &x [1, 2]\nb: *x\n", "anchors"),
    "oversize": ("# " + "x" * (256 * 1024) + "\n", "limit"),
    "not utf-8": (b"id: \xff\xfe\n", "UTF-8"),
    "duplicate key": ("id: a\nid: b\n", "twice"),
    "malformed": ("id: [unclosed\n", "malformed"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_yaml_is_refused_with_a_line_and_nothing_stored(app, name):
    raw, words = HOSTILE[name]
    with app.app_context():
        before = db.session.scalars(select(ContentVersion.id)).all()
        live = content.live_version(ASRS)
        with pytest.raises(DefinitionError) as error:
            save_confirmed(ASRS, raw, based_on=live.revision)
        with pytest.raises(DefinitionError):
            editing.save_draft(None, raw, based_on=0)
        db.session.rollback()
        assert words in str(error.value)
        assert error.value.problems[0].line is not None
        assert db.session.scalars(select(ContentVersion.id)).all() == before


def test_diff_numbers_both_sides_and_keeps_markup_as_text():
    old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
    new = "a\nb\nc\nd\ne\nF <script>x</script>\ng\nh\ni\nj\nk\n"
    lines = diff_lines(old, new, context=1)
    kinds = [(line.kind, line.old_number, line.new_number) for line in lines]
    assert ("removed", 6, None) in kinds and ("added", None, 6) in kinds
    assert ("added", None, 11) in kinds
    assert kinds[0] == ("gap", None, None)
    assert any(line.text == "F <script>x</script>" for line in lines)
    assert counts(lines) == (2, 1)
    assert diff_lines(old, old) == []


def test_two_saves_racing_past_the_check_store_one_revision(app, backend):
    """Both requests see revision N and insert N + 1; the unique key refuses the second.

    PostgreSQL only: on SQLite the write lock taken up front already serialises them.
    """
    if backend != "postgres":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    with app.app_context():
        live = content.live_version(ASRS)
        base_text, based_on = live.source_text, live.revision
    both_checked = threading.Barrier(2, timeout=20)

    def wait_for_the_other(session, _context, _instances):
        if any(isinstance(row, ContentVersion) for row in session.new):
            both_checked.wait()

    outcomes: dict[str, str] = {}

    def save(name: str, text: str) -> None:
        with app.app_context():
            try:
                save_confirmed(ASRS, text, based_on=based_on)
                db.session.commit()
                outcomes[name] = "saved"
            except EditConflict:
                db.session.rollback()
                outcomes[name] = "conflict"

    event.listen(Session, "before_flush", wait_for_the_other)
    try:
        threads = [
            threading.Thread(target=save, args=("a", reworded(base_text))),
            threading.Thread(target=save, args=("b", stricter(base_text))),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(Session, "before_flush", wait_for_the_other)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    with app.app_context():
        assert [row.revision for row in editing.versions(ASRS)] == [based_on + 1, based_on]


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (
            "{show: pregnancy, when: {means: [pregnancy]}}",
            "{show: pregnancy, when: {means: [pregnncy]}}",
            "no flag can mean 'pregnncy'",
        ),
        (
            "{show: link_both, when: {consistent: [adhd, rls]}}",
            "{show: link_both, when: {consistent: [adhd, rlss]}}",
            "no questionnaire screens for 'rlss'",
        ),
        (
            "{means: low_iron, when: {in_play: [rls]}}",
            "{means: low_iron, when: {in_play: [rlss]}}",
            "no questionnaire screens for 'rlss'",
        ),
        (
            "{means: low_iron, when: {in_play: [rls]}}",
            "{means: low_irn, when: {in_play: [rls]}}",
            "no flag can mean 'low_irn'",
        ),
    ],
)
def test_texts_rules_that_could_never_hold_are_refused_with_their_line(app, before, after, message):
    """A typo in a rule's condition or meaning would make its paragraph (pregnancy, the
    ADHD and RLS link) silently never show: saving such texts is refused, at the line."""
    with app.app_context():
        texts = content.live_version("texts")
        assert before in texts.source_text
        changed = texts.source_text.replace(before, after)
        line = changed[: changed.index(after)].count("\n") + 1
        with pytest.raises(DefinitionError) as refused:
            editing.save_draft("texts", changed, based_on=texts.revision)
        [problem] = [p for p in refused.value.problems if message in p.message]
        if "questionnaire" in message:
            assert problem.line == line
            assert "adhd" in problem.hint and "rls" in problem.hint
        else:
            assert "did you mean" in problem.hint
        assert content.live_version("texts").revision == texts.revision
        assert editing.versions("texts")[0].revision == texts.revision  # nothing stored


def test_a_directory_whose_texts_name_an_unknown_condition_is_refused(tmp_path):
    from screener.definitions.catalog import load_directory
    from tests.conftest import QUESTIONNAIRES

    for source in QUESTIONNAIRES.glob("*.yaml"):
        text = source.read_text()
        if source.name == "texts.yaml":
            text = text.replace("positive: [adhd, rls]", "positive: [adhd, restless]")
        (tmp_path / source.name).write_text(text)
    with pytest.raises(DefinitionError) as refused:
        load_directory(tmp_path)
    [problem] = refused.value.problems
    assert "'restless'" in problem.message and problem.file.endswith("texts.yaml")
    assert problem.line is not None


def test_a_questionnaire_that_stops_screening_for_a_condition_the_texts_name_is_refused(app):
    """The texts' rules show the ADHD and RLS link when both are consistent: if the ASRS
    stopped screening for 'adhd', that paragraph would silently never show again."""
    before, after = "screens_for: adhd\n", "screens_for: attention\n"
    with app.app_context():
        live = content.live_version(ASRS)
        assert before in live.source_text
        line = live.source_text[: live.source_text.index(before)].count("\n") + 1
        with pytest.raises(DefinitionError) as refused:
            save_confirmed(ASRS, live.source_text.replace(before, after), based_on=live.revision)
        [problem] = refused.value.problems
        assert "texts' rules name 'adhd'" in problem.message
        assert problem.line == line
        assert editing.versions(ASRS)[0].revision == live.revision  # nothing stored


def test_a_condition_another_questionnaire_still_screens_for_may_leave_this_one(app):
    with app.app_context():
        live = content.live_version(ASRS)
        copy = live.source_text.replace(f"id: {ASRS}\n", "id: asrs-copy\n", 1)
        editing.save_draft(None, copy, based_on=0)
        moved = save_confirmed(
            ASRS,
            live.source_text.replace("screens_for: adhd\n", "screens_for: attention\n"),
            based_on=live.revision,
        )
        db.session.commit()
        assert content.definition_of(moved).screens_for == "attention"
