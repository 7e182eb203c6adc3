"""A simulated patient: one keep-alive connection, its own cookies, and the forms of each
page filled in as a person would (the landing page's defaults, one answer per question).

Used by ``benchmarks/drill.py``. Plain ``http.client`` and ``html.parser``: the drill runs
hundreds of these at once and needs nothing the app does not already install. Each
patient may bind its own loopback source address (127.0.0.2, 127.0.0.3, …), so the app's
per-address limits see separate people, as they would in a clinic's waiting room.
"""

from __future__ import annotations

import http.client
import random
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # hidden and preset values
    radios: dict[str, list[str]] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, list[str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    numbers: dict[str, tuple[float, float]] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.refresh: str | None = None
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.refresh = a.get("content", "")
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(a.get("action", ""))
            self.forms.append(self._form)
        form = self._form
        if form is None or tag not in ("input", "textarea", "select"):
            return
        name, kind = a.get("name"), a.get("type", "text")
        if not name:
            return
        if kind == "radio":
            form.radios.setdefault(name, []).append(a.get("value", ""))
        elif kind == "checkbox":
            form.checkboxes.setdefault(name, []).append(a.get("value", "y"))
            if "checked" in a:
                form.checked.setdefault(name, []).append(a.get("value", "y"))
        elif kind == "number":
            low, high = float(a.get("min") or 1), float(a.get("max") or 100)
            form.numbers[name] = (low, min(high, low + 200))
        elif kind in ("hidden", "text", "email", "password", "search"):
            form.fields.setdefault(name, []).append(a.get("value", ""))
        if "required" in a:
            form.required.add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(page: str) -> _Forms:
    parser = _Forms()
    parser.feed(page)
    return parser


class Failed(Exception):
    """The app answered in a way a patient would notice (5xx, a dead link, a timeout)."""


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Patient:
    """One person's browser: a keep-alive connection, cookies, and a record of requests."""

    def __init__(self, host: str, port: int, *, tls: bool, source: str | None, log) -> None:
        self.host, self.port, self.tls, self.source = host, port, tls, source
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.log = log  # log(kind, status, seconds, request id or None)
        self.rng = random.Random()

    def _connect(self) -> http.client.HTTPConnection:
        source = (self.source, 0) if self.source else None
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the topology's own self-signed certificate
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=30, source_address=source, context=context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=30, source_address=source)

    def request(self, kind: str, method: str, path: str, data=None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True) if data is not None else None
        headers = {"Host": "localhost", "User-Agent": "screener-drill"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):  # a kept-alive connection closed by the server: reconnect once
            if self.connection is None:
                self.connection = self._connect()
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 0 and isinstance(
                    exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                ):
                    continue
                self.log(kind, 0, time.perf_counter() - started, None)
                raise Failed(f"{method} {kind}: {type(exc).__name__}") from exc
            break
        seconds = time.perf_counter() - started
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        reply = Reply(response.status, payload, dict(response.headers.items()), seconds)
        self.log(kind, response.status, seconds, response.headers.get("X-Request-ID"))
        if response.status >= 500:
            raise Failed(f"{method} {kind}: {response.status}")
        return reply

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def fill(self, form: Form) -> tuple[dict[str, list[str]], dict[str, str]]:
        """Values for every question of a form: one option per radio group, one box per
        group of check boxes (the landing page's ticked boxes as they are), a number
        within the allowed range where one is asked; returns (posted, answers)."""
        data = {name: list(values) for name, values in form.fields.items()}
        answers: dict[str, str] = {}
        for name, options in form.radios.items():
            choice = self.rng.choice(options)
            data[name] = [choice]
            answers[name] = choice
        for name, options in form.checkboxes.items():
            if name in form.checked:
                data[name] = list(form.checked[name])
            elif name == "consent" or name in form.required:
                data[name] = [options[0]]
            else:
                data[name] = [self.rng.choice(options)]
                answers[name] = data[name][0]
        for name, (low, high) in form.numbers.items():
            if self.rng.random() < 0.5:
                value = str(self.rng.randint(int(low), int(high)))
                data[name] = [value]
                answers[name] = value
        return data, answers
