"""Hostile text cannot make the PDF renderer read files, call servers or grow without bound.

Each attack points at a local HTTP server that counts hits. The same HTML rendered with
WeasyPrint's default fetcher does hit it and does embed /etc/passwd, which shows that
these tests can fail.
"""

from __future__ import annotations

import io
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import weasyprint
from pypdf import PdfReader

from screener.extensions import db
from screener.models import ClinicSettings
from screener.report import data, render
from screener.report.fetcher import AssetFetcher, RefusedURL
from screener.services import content, reports, screenings
from tests.conftest import QUESTIONNAIRES
from tests.report_helpers import STANDARD, submit

PASSWD_LINE = "root:x:0:0"

NOTES_DEFINITION = """\
format_version: 1
id: notes-test
version: "1"
title: Anything else
short_title: Notes
kind: context
source: {citation: Written for the tests.}
terms: Test material.
instructions: Tell us anything else.
sections:
  - id: notes
    title: Anything else
    items:
      - {id: worried, type: yes_no, text: "Is something else worrying you?"}
      - {id: note, type: text, max_length: 2000, text: "What should the clinician know?"}
scoring:
  rule: category
  params: {item: worried, categories: {worried: ["yes"], calm: ["no"]}}
"""


class Counter(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self):
        self.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        body = b"LEAKED-FROM-SERVER"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1; ``server.hits`` lists every path requested."""

    class Handler(Counter):
        hits: ClassVar[list[str]] = []

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.hits = Handler.hits
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def payloads(url: str) -> list[str]:
    return [
        f'<img src="{url}/img">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<link rel="attachment" href="{url}/attachment">',
        f'<link rel="stylesheet" href="{url}/sheet.css">',
        f"<style>@import url({url}/import.css); body {{ background: url({url}/bg) }}</style>",
        f'<div style="background-image: url({url}/inline)">x</div>',
        f'"><svg><image href="{url}/svg"/></svg>',
        f'<object data="{url}/object"></object><iframe src="{url}/iframe"></iframe>',
        f'<img src="{url}/redirect">',
        '<img src="file:///etc/passwd">',
        "{{7*7}} {% raw %} ' OR 1=1-- \u202eevil",
    ]


def squash(text: str) -> str:
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def attachments_of(pdf: bytes) -> list[str]:
    return list(PdfReader(io.BytesIO(pdf)).attachments)


def test_hostile_raw_html_is_refused_by_the_fetcher(server):
    """Even HTML that escaped nothing loads no URL: zero hits, no attachment, no leak."""
    html = "<!doctype html><title>t</title><p>before</p>" + "".join(payloads(server.url))
    fetcher = AssetFetcher()
    pdf = render.html_to_pdf(html, attachment="{}", fetcher=fetcher)
    assert server.hits == []
    assert attachments_of(pdf) == ["results.json"]
    text = text_of(pdf)
    assert "before" in text
    assert PASSWD_LINE not in text and "LEAKED" not in text
    assert b"LEAKED" not in pdf and PASSWD_LINE.encode() not in pdf
    refused = " ".join(fetcher.requested)
    for attempted in ("file:///etc/passwd", f"{server.url}/img", f"{server.url}/attachment"):
        assert attempted in refused


def test_the_same_html_with_the_default_fetcher_does_leak(server):
    """The control: WeasyPrint's defaults fetch from the server and attach the file."""
    html = "<!doctype html><title>t</title>" + "".join(payloads(server.url))
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert "/img" in server.hits and "/attachment" in server.hits
    assert "passwd" in attachments_of(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/x",
        "https://example.org/font.ttf",
        "data:text/plain,hello",
        "ftp://example.org/x",
        "screener-report:/AtkinsonHyperlegible-Regular.ttf",
        "screener-asset:../../../../etc/passwd",
        "screener-asset:OFL.txt",
        "screener-asset:",
        "SCREENER-ASSET:AtkinsonHyperlegible-Regular.ttf",
    ],
)
def test_the_fetcher_refuses_everything_but_its_fonts(url):
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch(url)


def test_the_fetcher_serves_the_bundled_fonts():
    response = AssetFetcher().fetch("screener-asset:AtkinsonHyperlegible-Bold.ttf")
    assert response.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font


def _hostile_clinic(url: str) -> None:
    hostile = " ".join(payloads(url))
    settings = db.session.get(ClinicSettings, 1)
    settings.name = f'Clinic <img src="{url}/name">'
    settings.contact = hostile[:500]
    settings.providers = [
        {"name": hostile, "assesses": ["adhd", "sleep", "gp"], "phone": hostile, "url": hostile}
    ]
    db.session.commit()


def _with_notes_definition(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    shutil.copytree(QUESTIONNAIRES, folder)
    (folder / "notes-test.yaml").write_text(NOTES_DEFINITION, encoding="utf-8")
    content.import_directory(folder)
    db.session.commit()


def test_hostile_answers_and_clinic_fields_print_literally_and_load_nothing(app, server, tmp_path):
    note = "".join(payloads(server.url))[:2000]
    with app.app_context():
        _hostile_clinic(server.url)
        _with_notes_definition(tmp_path)
        answers = {**STANDARD, "notes-test": {"worried": "yes", "note": note}}
        screening = submit(answers, keys=("asrs-v1.1", "rls-irlssg", "iron-context", "notes-test"))
        pdf = reports.render_pdf(screening)
    assert server.hits == []
    assert attachments_of(pdf) == ["results.json"]
    text = text_of(pdf)
    squashed = squash(text)
    assert squash(f'<img src="{server.url}/img">') in squashed
    assert squash('<link rel="attachment" href="file:///etc/passwd">') in squashed
    assert "{{7*7}}" in text and "' OR 1=1--" in text
    assert PASSWD_LINE not in text and "LEAKED" not in text
    assert squash(f'Clinic <img src="{server.url}/name">') in squashed


def test_long_text_is_cut_before_it_reaches_the_renderer(app):
    with app.app_context():
        settings = db.session.get(ClinicSettings, 1)
        settings.name = "N" * 200
        settings.providers = [
            {"name": "\U0001f600" * 10_000, "assesses": ["adhd"]} for _ in range(50)
        ]
        db.session.commit()
        screening = submit()
        report = data.build(screenings.summary(screening))
    providers = [p for r in report.referrals for p in r.providers]
    assert len(providers) == data.MAX_PROVIDERS
    assert all(len(p.name) == data.MAX_LINE for p in providers)
    assert providers[0].name.endswith(data.ELLIPSIS)
    assert data.clip("a\x00b") == "ab"


def test_a_summary_past_the_page_bound_is_refused(app):
    with app.app_context():
        report = data.build(screenings.summary(submit()))
    with pytest.raises(render.ReportTooLarge, match="at most 2"):
        render.render_pdf(report, max_pages=2)
