"""Pages of the portal's lists: one reading of the page number, one window over the
rows, one set of links, for the worklist, the audit log and the invitations list."""

from __future__ import annotations

import re

import pytest

from screener import paging
from screener.clinician import worklist
from tests.auth_helpers import signed_in
from tests.report_helpers import set_up_clinic, submit


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("42", 42),
        ("999999", 999999),
        ("0", None),
        ("-1", None),
        ("1e3", None),
        ("１", None),
        ("abc", None),
        ("1000000", None),
        (" 2", None),
    ],
)
def test_a_page_number_is_a_whole_number_from_1(raw, number):
    assert paging.number(raw) == number


def _links(page: str) -> list[tuple[str, str, str]]:
    nav = re.search(r'<ul class="pagination">(.*?)</ul>', page, re.S)
    return (
        re.findall(r'<a href="([^"]*)" rel="(prev|next)">([^<]*)</a>', nav.group(1)) if nav else []
    )


def test_the_worklist_pages_and_keeps_its_filters(app, monkeypatch):
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    with app.app_context():
        set_up_clinic()
        for _ in range(3):
            submit()
    clinician = signed_in(app, "clinician@clinic.example", "clinician")
    first = clinician.get("/clinician/", query_string={"source": "self"}).get_data(as_text=True)
    assert "Page 1 of 2" in first
    [(href, rel, text)] = _links(first)
    assert (rel, text) == ("next", "Next page") and "page=2" in href and "source=self" in href
    last = clinician.get(href.replace("&amp;", "&")).get_data(as_text=True)
    assert "Page 2 of 2" in last and [(r, t) for _, r, t in _links(last)] == [
        ("prev", "Previous page")
    ]
    bad = clinician.get("/clinician/", query_string={"page": "0"})
    assert bad.status_code == 400 and paging.NOT_A_PAGE in bad.get_data(as_text=True)
