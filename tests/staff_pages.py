"""Reading staff pages in tests: hidden values and CSRF tokens, as a browser would send them."""

from __future__ import annotations

import html
import re

from tests.auth_helpers import signed_in


def hidden(page: str, name: str) -> str:
    """The value of the input called ``name`` on ``page``."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag:
            match = re.search(r'value="([^"]*)"', tag)
            return html.unescape(match.group(1)) if match else ""
    raise AssertionError(f"no input {name!r} on the page")


def checked(page: str, name: str) -> str:
    """The value of the ticked radio button called ``name`` on ``page``."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and re.search(r"\bchecked\b", tag):
            return html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
    raise AssertionError(f"no ticked {name!r} on the page")


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name!r}"
    return html.unescape(match.group(1))


def token(client, path: str) -> str:
    return hidden(client.get(path).get_data(as_text=True), "csrf_token")


def staff_client(app, email: str = "editor@example.org"):
    return signed_in(app, email, "staff")


def admin_client(app, email: str = "admin@example.org"):
    return signed_in(app, email, "admin")


def form_data(page: str, **changes) -> dict:
    """The clinic settings form as the page holds it, with ``changes`` typed over it."""
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "lock_version": hidden(page, "lock_version"),
        "name": hidden(page, "name"),
        "contact": textarea(page, "contact"),
        "urgent_help": textarea(page, "urgent_help"),
        "timezone": hidden(page, "timezone"),
        "date_order": checked(page, "date_order"),
        "retention_days": hidden(page, "retention_days"),
        "draft_retention_days": hidden(page, "draft_retention_days"),
        "screenings_per_address": hidden(page, "screenings_per_address"),
    }
    data.update(changes)
    return data
