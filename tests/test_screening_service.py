"""The screening service: pinning, saving steps, conditions and one-time submission."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from screener.extensions import db
from screener.models import ScreeningResult
from screener.services import content, screenings
from screener.services.screenings import ScreeningError
from tests.conftest import QUESTIONNAIRES
from tests.helpers import asrs, fill, rls

ALL = ["asrs-v1.1", "rls-irlssg", "iron-context"]


def test_start_pins_live_versions_and_returns_a_token_only_once(app):
    with app.app_context():
        screening, token = screenings.start(ALL)
        assert screenings.by_token(token).id == screening.id
        assert screening.resume_token_hash != token
        assert screenings.by_code(screening.reference_code.lower()).id == screening.id
        assert [p.key for p in screenings.pinned(screening)] == ALL
        assert screenings.by_token(token + "x") is None
        assert screenings.by_code("ACDE-FHJK-MNP") is None


def test_start_refuses_unknown_questionnaires(app):
    with app.app_context(), pytest.raises(ScreeningError):
        screenings.start(["phq-9"])


def test_gate_no_skips_criteria_pages(app):
    with app.app_context():
        screening, _ = screenings.start(["rls-irlssg"])
        assert [s.section.id for s in screenings.steps(screening)] == ["screen"]
        answers = {"gate": "yes", "leg_medicine": "no"}
        assert screenings.save_section(screening, "rls-irlssg", "screen", answers) == {}
        assert [s.section.id for s in screenings.steps(screening)] == [
            "screen",
            "criteria",
            "other_causes",
            "course",
        ]


def test_bad_answers_give_errors_and_keep_what_was_saved(app):
    with app.app_context():
        screening, _ = screenings.start(["asrs-v1.1"])
        good = {f"q{n}": "often" for n in range(1, 7)}
        assert screenings.save_section(screening, "asrs-v1.1", "part_a", good) == {}
        bad = {**good, "q1": "always", "q2": None}
        errors = screenings.save_section(screening, "asrs-v1.1", "part_a", bad)
        assert set(errors) == {"q1", "q2"}
        assert screenings.answers_of(screening)["asrs-v1.1"] == good


def test_submit_is_idempotent_and_requires_every_step(app):
    with app.app_context():
        screening, _ = screenings.start(["asrs-v1.1", "rls-irlssg"])
        with pytest.raises(ScreeningError):
            screenings.submit(screening)
        fill(
            screening,
            {"asrs-v1.1": asrs(["often"] * 6), "rls-irlssg": rls(causes={"cramps": "unsure"})},
        )
        assert screenings.submit(screening) is True
        assert screenings.submit(screening) is False
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(ScreeningResult))
        assert count == 2
        summary = screenings.summary(screening)
        outcomes = {i.key: i.result.outcome.value for i in summary.instruments}
        assert outcomes == {"asrs-v1.1": "consistent", "rls-irlssg": "possible"}
        assert summary.interpretation.explanation[0].key == "link_adhd_rls_possible"
        with pytest.raises(ScreeningError):
            screenings.save_section(screening, "asrs-v1.1", "part_a", {})


def test_a_new_definition_version_leaves_existing_screenings_pinned(app, tmp_path):
    with app.app_context():
        old, _ = screenings.start(["asrs-v1.1"])
        db.session.commit()
        folder = tmp_path / "q"
        folder.mkdir()
        for path in QUESTIONNAIRES.glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if path.name == "asrs-v1.1.yaml":
                text = text.replace("How often are you distracted", "How often are you EDITED")
            (folder / path.name).write_text(text, encoding="utf-8")
        content.import_directory(Path(folder))
        db.session.commit()
        new, _ = screenings.start(["asrs-v1.1"])
        old_q11 = screenings.pinned(old)[0].definition.item("q11").text
        new_q11 = screenings.pinned(new)[0].definition.item("q11").text
        assert old_q11.startswith("How often are you distracted")
        assert new_q11.startswith("How often are you EDITED")


def test_clearing_an_optional_answer_removes_it_and_keeps_the_rest(app):
    with app.app_context():
        screening, _ = screenings.start(["iron-context"])
        page = {"risk_factors": ["coeliac"], "family_rls": "no", "ferritin": 40}
        assert screenings.save_section(screening, "iron-context", "iron", page) == {}
        assert (
            screenings.save_section(screening, "iron-context", "iron", {**page, "ferritin": None})
            == {}
        )
        db.session.commit()
        assert screenings.answers_of(screening)["iron-context"] == {
            "risk_factors": ["coeliac"],
            "family_rls": "no",
        }
        merged = screenings.with_page({"iron-context": page}, "iron-context", {"ferritin": None})
        assert merged == screenings.answers_of(screening)


def _submittable(app) -> int:
    with app.app_context():
        screening, _ = screenings.start(["asrs-v1.1"])
        fill(screening, {"asrs-v1.1": asrs(["often"] * 6, "often")})
        db.session.commit()
        return screening.id


def test_two_submits_at_the_same_moment_submit_once(app):
    """Two workers handling a double click: one submits, the other sees it done."""
    import threading

    from screener.database import begin_write
    from screener.models import Screening

    screening_id = _submittable(app)
    barrier, outcomes, errors = threading.Barrier(2), [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                begin_write()
                screening = db.session.get(Screening, screening_id)
                outcomes.append(screenings.submit(screening))
                db.session.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and sorted(outcomes) == [False, True]
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).where(ScreeningResult.screening_id == screening_id)
        )
        assert rows == 1


def test_a_fault_while_writing_results_rolls_back_the_submission(app, monkeypatch):
    from screener.models import Screening

    screening_id = _submittable(app)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    from screener.services import screening_store

    monkeypatch.setattr(screening_store, "results_of", broken)
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        with pytest.raises(RuntimeError):
            screenings.submit(screening)
        db.session.rollback()
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        assert screening.status == "draft" and screening.submitted_at is None
        assert screenings.answers_of(screening)["asrs-v1.1"]["q1"] == "often"
        assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0
    monkeypatch.undo()
    with app.app_context():
        assert screenings.submit(db.session.get(Screening, screening_id)) is True
        db.session.commit()
