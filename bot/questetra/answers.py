"""The one place that decides whether an answer from Questetra is what it claims to be.

Every call that expects JSON or XML (the ``/API/`` calls, the token endpoint, the Message Start
Event, ``check`` and ``probe``) reads its answer through here. A proxy, a single sign-on gateway
or an IP filter in front of a tenant answers with a redirect or a web page, often with status
200: such an answer is never a success, whatever its status (questetra-fidelity.md C3, A4;
issue #15 item 6).

What an unexpected answer was is described by :class:`Unexpected` (kind + a detail safe for logs
and operators: status, content type, where a redirect points, without its query string). The raw
body goes to the log only (:func:`log_raw`), never into an exception text or a Slack message.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx2
import structlog

from bot.questetra.errors import QuestetraDown, QuestetraProtocolError

log = structlog.stdlib.get_logger(__name__)

MAX_LOGGED_BODY = 2000  # characters of an unexpected answer kept in the log
MAX_XML_BODY = 1024 * 1024  # our tenant's XML answers are small; a proxy could send anything
_SIGN_IN_WORDS = re.compile(
    rb"(type=[\"']?password|log[ -]?in|sign[ -]?in|signon|sso|saml|openid|"
    rb"\xe3\x83\xad\xe3\x82\xb0\xe3\x82\xa4\xe3\x83\xb3)",  # ログイン
    re.IGNORECASE,
)
_SIGN_IN_PATH = re.compile(r"(log-?in|sign-?in|signon|sso|saml|auth|openid|idp|session)", re.I)


class AnswerKind(StrEnum):
    """What came back instead of the expected document."""

    REDIRECT = "redirect"  # 3xx to the same path elsewhere: the base URL moved (http → https …)
    SIGN_IN = "sign_in"  # a redirect to, or a page of, a sign-in form (SSO, proxy, login page)
    WEB_PAGE = "web_page"  # some other HTML page (a proxy's or a portal's)
    NOT_DOCUMENT = "not_document"  # neither HTML nor the expected JSON/XML/number
    EMPTY = "empty"


@dataclass(frozen=True)
class Unexpected:
    kind: AnswerKind
    status: int
    content_type: str
    target: str | None = None  # where a redirect points (scheme://host/path, no query)

    def describe(self) -> str:
        """One line for logs and operators; no body, no query strings."""
        what = {
            AnswerKind.REDIRECT: f"the base URL redirects to {self.target}",
            AnswerKind.SIGN_IN: (
                f"a redirect to a sign-in page at {self.target}"
                if self.target
                else "a sign-in page"
            ),
            AnswerKind.WEB_PAGE: "a web page",
            AnswerKind.NOT_DOCUMENT: "an answer in an unexpected format",
            AnswerKind.EMPTY: "an empty answer",
        }[self.kind]
        return f"{what} (HTTP {self.status}, {self.content_type or 'no content type'})"


class QuestetraUnexpectedAnswer(QuestetraProtocolError):
    """Questetra's address answered, but not with what the call expects (see :class:`Unexpected`)."""

    def __init__(self, path: str, unexpected: Unexpected) -> None:
        super().__init__(f"{path}: {unexpected.describe()}")
        self.unexpected = unexpected


def content_type(response: httpx2.Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def redirect_target(response: httpx2.Response) -> str | None:
    """Where a 3xx points, absolute, without query or fragment (they may carry SSO state)."""
    location = response.headers.get("location")
    if not location:
        return None
    absolute = urljoin(str(response.request.url), location) if _has_request(response) else location
    parts = urlsplit(absolute)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _has_request(response: httpx2.Response) -> bool:
    try:
        response.request  # noqa: B018 - httpx raises when the response was built without one
    except RuntimeError:
        return False
    return True


def is_web_page(response: httpx2.Response) -> bool:
    head = response.content[:512].lstrip().lower()
    return content_type(response) in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    )


def classify(response: httpx2.Response) -> Unexpected:
    """What an answer that is not the expected document is (call only for such answers)."""
    status, ctype = response.status_code, content_type(response)
    if 300 <= status < 400:
        target = redirect_target(response)
        if target is not None and _has_request(response) and _same_path(response, target):
            return Unexpected(AnswerKind.REDIRECT, status, ctype, target)
        return Unexpected(AnswerKind.SIGN_IN, status, ctype, target)
    if not response.content.strip():
        return Unexpected(AnswerKind.EMPTY, status, ctype)
    if is_web_page(response):
        kind = (
            AnswerKind.SIGN_IN
            if _SIGN_IN_WORDS.search(response.content[:65536])
            else AnswerKind.WEB_PAGE
        )
        return Unexpected(kind, status, ctype)
    return Unexpected(AnswerKind.NOT_DOCUMENT, status, ctype)


_CALL_ROOTS = ("API/", "System/", "oauth2/")  # where a call's own path starts under the base


def _same_path(response: httpx2.Response, target: str) -> bool:
    """A redirect to the same call elsewhere (another scheme, host or prefix): the base URL
    itself moved. Anything else (a login path, an SSO host) is a sign-in redirect."""
    asked = urlsplit(str(response.request.url)).path.rstrip("/")
    going = urlsplit(target).path.rstrip("/")
    starts = [asked.find("/" + root) for root in _CALL_ROOTS if "/" + root in asked]
    tail = asked[min(starts) :] if starts else asked
    if not going.endswith(tail) or target == str(response.request.url).split("?", 1)[0]:
        return False
    return not _SIGN_IN_PATH.search(going[: len(going) - len(tail)])


def log_raw(event: str, path: str, response: httpx2.Response, *, body: bool = True) -> None:
    """Keep the raw answer for the operator, in the log only (capped). ``body=False`` for
    answers that could carry a secret (the token endpoint's)."""
    fields: dict[str, Any] = {
        "path": path,
        "status": response.status_code,
        "content_type": content_type(response),
        "location": redirect_target(response),
    }
    if body:
        fields["body"] = response.content[:MAX_LOGGED_BODY].decode("utf-8", "replace")
    log.warning(event, **fields)


def unexpected(path: str, response: httpx2.Response) -> QuestetraUnexpectedAnswer:
    """The error for an answer that is not what ``path`` promises (its raw body is logged)."""
    found = classify(response)
    log_raw("questetra.unexpected_answer", path, response)
    return QuestetraUnexpectedAnswer(path, found)


def json_body(path: str, response: httpx2.Response) -> Any:
    """The JSON of a 2xx answer (``None`` for an empty 2xx, which some calls answer).

    Raises :class:`QuestetraUnexpectedAnswer` for a redirect, a web page or anything that is not
    JSON, and :class:`QuestetraDown` for 5xx. Callers map 4xx before calling this."""
    code = response.status_code
    if code >= 500:
        raise QuestetraDown(f"{path}: HTTP {code}")
    if not 200 <= code < 300:
        raise unexpected(path, response)
    if not response.content.strip():
        return None
    if is_web_page(response):
        raise unexpected(path, response)
    try:
        return response.json()
    except (ValueError, RecursionError):  # absurdly nested JSON is unreadable too
        raise unexpected(path, response) from None


def safe_xml(body: bytes) -> ET.Element | None:
    """Parse a small XML document without DTDs (nothing to expand, nothing to fetch)."""
    if len(body) > MAX_XML_BODY or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None
    try:
        # Our own tenant's answer, size-capped and DTD-free (checked above).
        return ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        return None


def xml_body(path: str, response: httpx2.Response) -> ET.Element:
    """The root element of a 2xx XML answer; the same refusals as :func:`json_body`."""
    code = response.status_code
    if code >= 500:
        raise QuestetraDown(f"{path}: HTTP {code}")
    if not 200 <= code < 300 or is_web_page(response):
        raise unexpected(path, response)
    root = safe_xml(response.content)
    if root is None:
        raise unexpected(path, response)
    return root


def process_id_of(response: httpx2.Response) -> int | None:
    """The new process id of a Message Start Event's 2xx answer ([MSE-CURL]: "the number part
    of the Process ID … will be returned"; [WPFORM] trims it), or None."""
    if not 200 <= response.status_code < 300 or is_web_page(response):
        return None
    text = response.content[:64].decode("ascii", "replace").strip()
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    ok = text.isascii() and text.isdigit() and len(response.content) <= 64
    return int(text) if ok else None
