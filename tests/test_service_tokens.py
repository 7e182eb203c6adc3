"""Service tokens: made with the CLI, shown once, stored hashed, listed and revoked."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from screener.codes import token_hash
from screener.extensions import db
from screener.models import AuditEvent, ServiceToken
from screener.services import tokens


def create(runner, name="records", *scopes, days=None):
    args = ["tokens", "create", name]
    for scope in scopes or ("screenings:read",):
        args += ["--scope", scope]
    if days is not None:
        args += ["--days", str(days)]
    return runner.invoke(args=args)


def test_create_prints_the_token_once_on_the_last_line_and_stores_only_its_hash(app, runner):
    result = create(runner, "records", "screenings:read", "fhir:read", days=30)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("scrn_") and tokens.well_formed(token)
    with app.app_context():
        row = db.session.scalar(select(ServiceToken).where(ServiceToken.name == "records"))
        assert row.token_hash == token_hash(token)
        assert token not in repr([getattr(row, c.key) for c in ServiceToken.__table__.columns])
        assert row.scopes == ["fhir:read", "screenings:read"]
        assert dt.timedelta(days=29) < row.expires_at - row.created_at <= dt.timedelta(days=30)
        caller, reason = tokens.authenticate(token)
        assert reason == "ok" and caller.name == "records"
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "token.create"))
        assert [(a.reference, a.actor, a.outcome) for a in audit] == [("records", "cli", "ok")]

    listing = runner.invoke(args=["tokens", "list"])
    assert listing.exit_code == 0
    assert "records\tactive\tfhir:read,screenings:read" in listing.output
    assert "last used" in listing.output
    assert token not in listing.output


def test_a_token_expires_within_a_year_and_names_known_scopes(app, runner):
    assert create(runner, "long", days=366).exit_code == 2
    assert create(runner, "zero", days=0).exit_code == 2
    assert create(runner, "bad name!").exit_code == 2
    assert runner.invoke(args=["tokens", "create", "x", "--scope", "everything"]).exit_code == 2
    assert create(runner, "year", days=365).exit_code == 0
    assert create(runner, "year").exit_code == 2  # one usable token per name
    with app.app_context():
        assert db.session.scalar(select(ServiceToken.name)) == "year"


def test_a_typo_in_a_token_fails_its_checksum():
    token = tokens.new_token()
    assert tokens.well_formed(token)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert not tokens.well_formed(flipped)
    assert not tokens.well_formed(token[:-1])
    assert not tokens.well_formed("ghp_" + token[4:])


def test_revoked_and_expired_tokens_stop_working(app, runner):
    token = create(runner, "old").output.strip().splitlines()[-1]
    result = runner.invoke(args=["tokens", "revoke", "old"])
    assert result.exit_code == 0
    assert runner.invoke(args=["tokens", "revoke", "old"]).exit_code == 2
    with app.app_context():
        assert tokens.authenticate(token) == (None, "revoked")
    assert "old\trevoked" in runner.invoke(args=["tokens", "list"]).output
    # The name is free again once revoked.
    fresh = create(runner, "old").output.strip().splitlines()[-1]
    with app.app_context():
        db.session.execute(
            update(ServiceToken)
            .where(ServiceToken.token_hash == token_hash(fresh))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        db.session.commit()
        assert tokens.authenticate(fresh) == (None, "expired")
        assert tokens.authenticate(tokens.new_token()) == (None, "unknown")
        assert tokens.authenticate("scrn_nonsense") == (None, "malformed")


@pytest.mark.parametrize("scope", sorted(tokens.SCOPES))
def test_every_scope_can_be_given(app, runner, scope):
    assert create(runner, "t", scope).exit_code == 0
