"""Minimal HTML pages (consent, errors, the human-facing views)."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}
</style></head>
<body><p><small>Questetra BPM Suite (emulator)</small></p><h1>{title}</h1>
{body}</body></html>
"""


def page(title: str, body_html: str, status: int = 200) -> HTMLResponse:
    """``body_html`` must already be escaped."""
    return HTMLResponse(_PAGE.format(title=escape(title), body=body_html), status_code=status)


def error_page(status: int, title: str, message: str) -> HTMLResponse:
    return page(title, f"<p>{escape(message)}</p>", status)


def table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


async def not_found(request: Request, exc: Exception) -> Response:
    # Questetra answers unknown paths with an HTML page, never JSON (INFERRED).
    return error_page(404, "404 Not Found", f"No page at {request.url.path}")


_SIGN_IN = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><form method="post" action="{action}">
<label>E-mail <input name="username" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></body></html>
"""
_PORTAL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Intranet</title></head>
<body><h1>Welcome</h1><p>This site is available on the company network only.</p></body></html>
"""


def sign_in_page(title: str = "Questetra BPM Suite", action: str = "#") -> HTMLResponse:
    """A sign-in form, as a web application (or an SSO gateway in front of it) shows one."""
    return HTMLResponse(_SIGN_IN.format(title=escape(title), action=escape(action, quote=True)))


def portal_page() -> HTMLResponse:
    """A proxy's or an intranet portal's page: 200, HTML, and not what was asked for."""
    return HTMLResponse(_PORTAL)
