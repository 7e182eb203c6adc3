"""Process caches stay bounded: by entries and bytes, and never keyed by a visitor's input."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import pytest

from screener.process_cache import BoundedCache
from tests.patient_helpers import csrf_token, post_step, start

PACKAGE = Path(__file__).resolve().parent.parent / "screener"
PART_A_ITEMS = [f"q{n}" for n in range(1, 7)]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def test_a_cache_keeps_at_most_its_entries_dropping_the_least_recently_used():
    cache: BoundedCache[str, str] = BoundedCache("test", max_entries=3, max_bytes=10**6)
    for key in "abc":
        cache.put(key, key * 10)
    assert cache.get("a") == "a" * 10  # now the most recently used
    cache.put("d", "d" * 10)
    assert len(cache) == 3
    assert cache.get("b") is None
    assert {cache.get(key) for key in "acd"} == {"a" * 10, "c" * 10, "d" * 10}


def test_a_cache_keeps_at_most_its_bytes_and_refuses_one_huge_entry():
    cache: BoundedCache[int, str] = BoundedCache("test", max_entries=1000, max_bytes=64 * 1024)
    for key in range(100):
        cache.put(key, "x" * 4000)
    assert cache.bytes <= 64 * 1024
    assert 10 <= len(cache) < 20
    assert cache.get(99) is not None and cache.get(0) is None
    huge = "y" * 20_000  # more than a quarter of the budget
    assert cache.put("huge", huge) is huge
    assert cache.get("huge") is None
    # A large key costs as much as a large value.
    cache.put("k" * 30_000, "small")
    assert cache.get("k" * 30_000) is None


def _decorated_with_unbounded_cache(tree: ast.Module):
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = {ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
        memoised = names & {"cache", "functools.cache", "lru_cache", "functools.lru_cache"}
        if memoised and (node.args.args or node.args.posonlyargs or node.args.kwonlyargs):
            yield node.name


def test_memoised_functions_take_no_arguments_so_they_hold_one_value():
    """A cache keyed by arguments must be a BoundedCache; ``@cache`` only for singletons."""
    offenders = [
        f"{path.relative_to(PACKAGE)}:{name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in _decorated_with_unbounded_cache(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_the_process_caches_are_bounded_caches():
    from screener.patient import presenters, questions
    from screener.services import content, screening_store

    for cache in (
        presenters._fragments,
        questions._form_classes,
        screening_store._pinned_cache,
        content._parsed,
    ):
        assert isinstance(cache, BoundedCache)
        assert cache.max_bytes <= 64 * 1024 * 1024


def test_invalid_answers_are_never_kept_in_the_page_cache(client):
    from screener.patient import presenters

    token = start(client, screeners=("adhd",), iron=False)
    before = len(presenters._fragments)
    marker = "not-an-option-" + "z" * 100
    response = post_step(client, 1, {item: marker for item in PART_A_ITEMS}, token)
    assert response.status_code == 422
    assert len(presenters._fragments) == before
    assert not any(marker in repr(key) for key in presenters._fragments._entries)


@pytest.mark.timeout(600)
def test_memory_stays_flat_over_a_thousand_invalid_anonymous_posts(client):
    """The probe: ~40 KB of invalid answer per field, posted again and again."""
    token = start(client, screeners=("adhd",), iron=False)
    token = csrf_token(client.get("/screen/step/1"))

    def post(n: int):
        # Every post differs, as a script's would, so no entry is ever hit again.
        values = {item: f"{n:06d}{item}" + "x" * 40_000 for item in PART_A_ITEMS}
        return post_step(client, 1, values, token)

    for n in range(50):  # warm up: templates compiled, pools and arenas grown
        assert post(n).status_code == 422
    gc.collect()
    before = rss_mb()
    for n in range(50, 1050):
        assert post(n).status_code == 422
    gc.collect()
    growth = rss_mb() - before
    assert growth <= 20, f"RSS grew by {growth:.1f} MB over 1,000 invalid posts"


def test_a_web_worker_parses_the_live_questionnaires_before_its_first_request(
    app, monkeypatch, caplog
):
    """gunicorn's post_worker_init hook: the first patient after a restart does not wait
    for the questionnaires to be parsed."""
    import logging
    from types import SimpleNamespace

    from screener import gunicorn_hooks
    from screener.services import content

    fresh = BoundedCache("test", max_entries=64, max_bytes=2**26)
    monkeypatch.setattr(content, "_parsed", fresh)
    worker = SimpleNamespace(wsgi=app, log=logging.getLogger("test.gunicorn"))
    with caplog.at_level("INFO", logger="test.gunicorn"):
        gunicorn_hooks.post_worker_init(worker)
    with app.app_context():
        live = content.live_versions() + content.live_versions("texts")
    assert live and all(fresh.get(version.sha256) is not None for version in live)
    assert f"Parsed {len(live)} live questionnaires and texts" in caplog.text


def test_a_web_worker_whose_database_is_not_ready_still_starts(app, monkeypatch, caplog):
    import logging
    from types import SimpleNamespace

    from sqlalchemy.exc import OperationalError

    from screener import gunicorn_hooks
    from screener.services import content

    def unreachable():
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(content, "parse_live", unreachable)
    worker = SimpleNamespace(wsgi=app, log=logging.getLogger("test.gunicorn"))
    with caplog.at_level("WARNING", logger="test.gunicorn"):
        gunicorn_hooks.post_worker_init(worker)
    assert "not parsed at start (OperationalError)" in caplog.text
    assert app.test_client().get("/").status_code == 200
