"""The operator CLI contract: exit codes and output that operators and scripts rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from screener.models import ContentVersion, User
from tests.auth_helpers import PASSWORD, login, make_user, signed_in
from tests.conftest import QUESTIONNAIRES
from tests.helpers import asrs, rls

SCREENER = [sys.executable, "-m", "screener.cli"]


def cli(*args: str, stdin: str | None = None, env: dict | None = None):
    return subprocess.run(
        [*SCREENER, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_validate_shipped_definitions_exits_0():
    result = cli("questionnaires", "validate", *map(str, sorted(QUESTIONNAIRES.glob("*.yaml"))))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("valid") == 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("options: from_often", "optons: from_often"), "unknown key 'optons'"),
        (("kind: screen", "kind: screen\nextra_key: 1"), "unknown key 'extra_key'"),
        (("- id: q2\n", "- id: q1\n"), "'q1' is used twice"),
        (("title: Adult", "title: !!python/object/apply:os.system ['true']\n#"), "tag"),
    ],
)
def test_validate_bad_file_exits_1_and_names_the_line(tmp_path, change, expected):
    bad = tmp_path / "bad.yaml"
    text = (QUESTIONNAIRES / "asrs-v1.1.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace(*change, 1), encoding="utf-8")
    result = cli("questionnaires", "validate", str(bad))
    assert result.returncode == 1
    assert expected in result.stderr
    assert f"{bad}:" in result.stderr and ":" in result.stderr.split(str(bad))[1]


def test_validate_alias_bomb_and_oversize(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text('a: &a ["x","x"]\nb: [*a,*a]\n', encoding="utf-8")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (300 * 1024))
    result = cli("questionnaires", "validate", str(bomb), str(big))
    assert result.returncode == 1
    assert f"{bomb}:1:" in result.stderr and "anchor" in result.stderr
    assert f"{big}:1:1" in result.stderr and "256 KiB" in result.stderr


def _score(tmp_path: Path, answers) -> subprocess.CompletedProcess:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return cli("score", str(path))


def test_score_prints_json_per_questionnaire(tmp_path):
    result = _score(
        tmp_path,
        {
            "asrs-v1.1": asrs(["sometimes", "sometimes", "sometimes", "often", "never", "never"]),
            "rls-irlssg": rls(causes={"cramps": "unsure"}),
        },
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["asrs-v1.1"]["outcome"] == "consistent"
    assert output["asrs-v1.1"]["score"] == 4
    assert output["asrs-v1.1"]["threshold"] == 4
    assert output["asrs-v1.1"]["version"] == "1.1"
    assert output["asrs-v1.1"]["reports"]["part_b"]["score"] == 0
    assert output["rls-irlssg"]["outcome"] == "possible"
    assert output["rls-irlssg"]["reports"]["course"]["details"] == {
        "category": "twice_weekly_or_more",
        "label": "2 or more times a week on average",
    }
    assert output["rls-irlssg"]["details"]["other_causes_unsure"] == ["cause_cramps"]


def test_score_never_prints_intermittent_for_a_course_under_twice_a_week(tmp_path):
    result = _score(tmp_path, {"rls-irlssg": rls(frequency="monthly")})
    assert result.returncode == 0, result.stderr
    assert "intermittent" not in result.stdout
    course = json.loads(result.stdout)["rls-irlssg"]["reports"]["course"]["details"]
    assert course["label"] == "Less than twice a week on average"


def test_score_boundary_three_highlighted(tmp_path):
    result = _score(tmp_path, {"asrs-v1.1": asrs(["sometimes"] * 4 + ["never"] * 2)})
    output = json.loads(result.stdout)["asrs-v1.1"]
    assert (output["outcome"], output["score"]) == ("not_consistent", 3)


def test_score_missing_answer_is_incomplete(tmp_path):
    answers = asrs(["often"] * 6)
    del answers["q6"]
    output = json.loads(_score(tmp_path, {"asrs-v1.1": answers}).stdout)["asrs-v1.1"]
    assert output["outcome"] == "incomplete"
    assert output["score"] is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"phq-9": {}}, "unknown questionnaire 'phq-9'"),
        ({"asrs-v1.1": {"q19": "often"}}, "no item 'q19'"),
        ({"asrs-v1.1": {"q1": "always"}}, "'always'"),
        ({"rls-irlssg": {"gate": True}}, "gate"),
        (["not", "an", "object"], "expected a JSON object"),
    ],
)
def test_score_rejects_unknown_input_with_exit_2(tmp_path, answers, message):
    result = _score(tmp_path, answers)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_score_rejects_invalid_json(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text("{not json", encoding="utf-8")
    result = cli("score", str(path))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_init_is_idempotent_and_imports_changed_files_as_new_versions(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        from screener.extensions import db

        count = db.session.scalar(select(func.count()).select_from(ContentVersion))
    assert count == 4

    folder = tmp_path / "q"
    folder.mkdir()
    for path in QUESTIONNAIRES.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    asrs_file = folder / "asrs-v1.1.yaml"
    asrs_file.write_text(
        asrs_file.read_text(encoding="utf-8").replace("Part B", "Part B.", 1), encoding="utf-8"
    )
    app.config["QUESTIONNAIRES_DIR"] = str(folder)
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "asrs-v1.1: imported as revision 2" in result.output
    assert "rls-irlssg: unchanged, revision 1" in result.output
    with app.app_context():
        from screener.services.content import live_version

        assert live_version("asrs-v1.1").revision == 2
        assert db.session.scalar(select(func.count()).select_from(ContentVersion)) == 5


def test_init_refuses_invalid_definitions_and_changes_nothing(app, tmp_path):
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "bad.yaml").write_text("format_version: 1\nid: bad\n", encoding="utf-8")
    app.config["QUESTIONNAIRES_DIR"] = str(tmp_path / "q")
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 1
    assert "bad.yaml" in result.output


def test_init_without_demo_creates_no_account(app):
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "password" not in result.output.lower()
    with app.app_context():
        from screener.extensions import db

        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_init_demo_prints_credentials_that_work(app):
    result = app.test_cli_runner().invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "clinician@demo.invalid" in line)
    password = line.split("password: ")[1].strip()
    with app.app_context():
        from screener import passwords
        from screener.services.accounts import find_user

        user = find_user("clinician@demo.invalid")
        assert passwords.verify(user.password_hash, password)
        assert user.roles == {"clinician"}


PRODUCTION = {"ENV_NAME": "production", "TRUSTED_HOSTS": ["screening.clinic.example"]}


def _unnamed(app):
    """The app, its clinic's name cleared as before any ``screener init``."""
    with app.app_context():
        from screener.extensions import db
        from screener.models import ClinicSettings

        db.session.get(ClinicSettings, 1).name = ""
        db.session.commit()
    return app


def _production_app(make_app, **extra):
    """A production app on a database prepared (migrated, reset) by a development one,
    with no clinic name yet."""
    _unnamed(make_app(CLINIC_NAME=""))
    return make_app(**PRODUCTION, **{"CLINIC_NAME": "", **extra})


def _clinic_name(app) -> str:
    with app.app_context():
        from screener.extensions import db
        from screener.models import ClinicSettings

        return db.session.get(ClinicSettings, 1).name


def test_production_init_refuses_to_finish_without_a_clinic_name(make_app):
    app = _production_app(make_app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 2
    assert "The clinic's name is not set" in result.output
    assert "--clinic-name" in result.output and "SCREENER_CLINIC_NAME" in result.output
    assert _clinic_name(app) == ""
    # --demo does not make up a name in production either.
    assert runner.invoke(args=["init", "--demo"]).exit_code == 2
    result = runner.invoke(args=["init", "--clinic-name", "  Riverside   Clinic "])
    assert result.exit_code == 0, result.output
    assert "Clinic: Riverside Clinic" in result.output
    assert _clinic_name(app) == "Riverside Clinic"
    # Once set, later runs (upgrades) need no option.
    assert runner.invoke(args=["init"]).exit_code == 0
    assert _clinic_name(app) == "Riverside Clinic"


def test_production_init_takes_the_name_from_the_environment(make_app):
    app = _production_app(make_app, CLINIC_NAME="Northside Clinic")
    with app.app_context():
        from screener.extensions import db
        from screener.models import ClinicSettings

        db.session.delete(db.session.get(ClinicSettings, 1))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert _clinic_name(app) == "Northside Clinic"


def test_a_control_character_in_the_clinic_name_is_refused(make_app):
    app = _production_app(make_app)
    result = app.test_cli_runner().invoke(args=["init", "--clinic-name", "Bad\x00Clinic"])
    assert result.exit_code == 2
    assert "without control characters" in result.output
    assert _clinic_name(app) == ""


def test_demo_init_names_the_demo_clinic_and_no_page_shows_a_placeholder(make_app):
    app = _unnamed(make_app(CLINIC_NAME=""))
    client = app.test_client()
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    assert _clinic_name(app) == ""  # development without a name: none is made up
    page = client.get("/").get_data(as_text=True)
    assert "Your clinic" not in page
    assert "Only the clinic's clinicians who sign in" in page
    assert "<title>" in page and " – Screener</title>" in page
    assert app.test_cli_runner().invoke(args=["init", "--demo"]).exit_code == 0
    assert _clinic_name(app) == "Demo clinic"
    assert "Only clinicians at Demo clinic who sign in" in client.get("/").get_data(as_text=True)


def test_users_create_reads_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Dr.Who@Example.org", "--role", "clinician", "--role", "admin"],
        input="correct horse battery staple 42\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        from screener.extensions import db

        user = db.session.scalar(select(User).where(User.email == "dr.who@example.org"))
        assert user.roles == {"clinician", "admin"}
        assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("a@example.org", "short", "at least 12"),
        ("a@example.org", "password1234", "too common"),
        # Not on a list of common passwords as typed, but easy to guess all the same.
        ("a@example.org", "P@ssw0rd1234", "too easy to guess"),
        ("a@example.org", "passwordpassword", "too easy to guess"),
        ("a@example.org", "123456123456", "too easy to guess"),
        ("a@example.org", "abcdefghijkl", "too easy to guess"),
        ("ana.lopez@example.org", "ana.lopez@example.org", "too easy to guess"),
        ("not-an-email", "a long and unusual passphrase", "not an e-mail"),
    ],
)
def test_users_create_refuses_bad_input(app, email, password, message):
    result = app.test_cli_runner().invoke(
        args=["users", "create", email, "--role", "staff"], input=password + "\n"
    )
    assert result.exit_code == 2
    assert message in result.output


def test_users_create_refuses_duplicates(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "x@example.org", "--role", "staff"]
    assert runner.invoke(args=args, input="a long and unusual passphrase\n").exit_code == 0
    result = runner.invoke(args=args, input="a long and unusual passphrase\n")
    assert result.exit_code == 2
    assert "already exists" in result.output


def _audit_rows(app, action: str) -> list[tuple[str, str, str]]:
    with app.app_context():
        from screener.extensions import db
        from screener.models import AuditEvent

        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [(e.actor, e.reference, e.outcome) for e in rows]


def test_users_deactivate_ends_sessions_at_once_and_reactivate_lets_them_back(app):
    doc = signed_in(app, "doc@clinic.example", "clinician")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "deactivate", "Doc@Clinic.example"])
    assert result.exit_code == 0, result.output
    response = doc.get("/clinician/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert login(doc, "doc@clinic.example").status_code == 200  # refused: the form again
    assert runner.invoke(args=["users", "reactivate", "doc@clinic.example"]).exit_code == 0
    assert login(doc, "doc@clinic.example").status_code == 302
    assert _audit_rows(app, "user.deactivate") == [("cli", "doc@clinic.example", "ok")]
    assert _audit_rows(app, "user.reactivate") == [("cli", "doc@clinic.example", "ok")]


def test_users_roles_replaces_roles_from_the_next_request(app):
    nurse = signed_in(app, "nurse@clinic.example", "staff")
    assert nurse.get("/clinician/").status_code == 403
    result = app.test_cli_runner().invoke(
        args=["users", "roles", "nurse@clinic.example", "--role", "clinician"]
    )
    assert result.exit_code == 0, result.output
    assert "now has roles: clinician" in result.output
    assert nurse.get("/clinician/").status_code == 200
    assert nurse.get("/staff/").status_code == 403
    with app.app_context():
        from screener.extensions import db

        user = db.session.scalar(select(User).where(User.email == "nurse@clinic.example"))
        assert user.roles == {"clinician"}


def test_users_password_replaces_it_and_ends_sessions(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    new = "a fresh and unusual passphrase 9"
    result = app.test_cli_runner().invoke(
        args=["users", "password", "boss@clinic.example"], input=new + "\n"
    )
    assert result.exit_code == 0, result.output
    assert admin.get("/admin/users").status_code == 302  # signed out
    assert login(admin, "boss@clinic.example", PASSWORD).status_code == 200
    assert login(admin, "boss@clinic.example", new).status_code == 302


@pytest.mark.parametrize(
    ("args", "stdin", "message", "action"),
    [
        (["users", "deactivate", "nobody@clinic.example"], None, "no account", "user.deactivate"),
        (["users", "reactivate", "nobody@clinic.example"], None, "no account", "user.reactivate"),
        (
            ["users", "roles", "nobody@clinic.example", "--role", "staff"],
            None,
            "no account",
            "user.roles",
        ),
        (["users", "password", "boss@clinic.example"], "short\n", "at least 12", "user.password"),
        (["users", "password", "nobody@clinic.example"], "x" * 20 + "\n", "no account", None),
    ],
)
def test_users_commands_refuse_unknown_accounts_and_bad_input_with_exit_2(
    app, args, stdin, message, action
):
    make_user(app, "boss@clinic.example", "admin")
    result = app.test_cli_runner().invoke(args=args, input=stdin)
    assert result.exit_code == 2
    assert message in result.output
    if action:
        assert _audit_rows(app, action)[-1][2] == "refused"
    with app.app_context():
        from screener.extensions import db

        boss = db.session.scalar(select(User).where(User.email == "boss@clinic.example"))
        assert boss.active and boss.roles == {"admin"} and boss.session_version == 1
    assert login(app.test_client(), "boss@clinic.example").status_code == 302


def test_users_roles_refuses_an_unknown_role(app):
    make_user(app, "boss@clinic.example", "admin")
    result = app.test_cli_runner().invoke(
        args=["users", "roles", "boss@clinic.example", "--role", "root"]
    )
    assert result.exit_code == 2
    assert "root" in result.output
