"""The outbound HTTP proxy, from the standard variables ``HTTPS_PROXY``, ``HTTP_PROXY``,
``NO_PROXY`` (and ``ALL_PROXY``), any case, resolved per request URL.

Every outbound call of the bridge (Questetra's API and token endpoint, Slack's Web API,
``response_url`` posts, Socket Mode) asks :meth:`Proxies.for_url` which proxy to use, so they
all follow the same variables the same way. The rules are curl's and Python's
(``urllib.request.getproxies_environment`` / ``proxy_bypass_environment``): the lower-case name
wins over the upper-case one; ``NO_PROXY`` is a comma-separated list of host names, domain
suffixes (``.corp.example`` or ``corp.example``), addresses and ``host:port``; ``*`` bypasses
every host. A proxy URL may carry credentials (``http://user:pass@proxy:3128``): clients send
them as ``Proxy-Authorization``; :meth:`Proxies.shown` and ``repr`` leave them out, so they
reach no log line, check output or error.

Built from the environment :func:`bot.config.load_settings` receives (never ``os.environ`` at
import time); the settings carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

# Python's own NO_PROXY matcher (what urllib.request.proxy_bypass does on Linux), given our
# variables instead of os.environ's; undocumented, hence absent from typeshed.
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

import aiohttp
from yarl import URL

__all__ = ["Proxies", "without_credentials"]

# A URL's scheme -> the proxy variable it follows (WebSockets travel as their HTTP twins).
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


@dataclass(frozen=True)
class Proxies:
    """Proxy variables by lower-cased prefix (``{"https": "http://proxy:3128", "no": "..."}``)."""

    variables: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Proxies:
        """The ``*_proxy`` variables of ``environ``, lower-case names winning, blanks ignored."""
        found: dict[str, str] = {}
        # Upper case first, then lower case over it (Python's and curl's precedence).
        for name in sorted(environ, key=lambda n: n.islower()):
            lowered = name.lower()
            if not lowered.endswith("_proxy") or lowered not in _NAMES:
                continue
            value = environ[name].strip()
            if value:
                found[lowered.removesuffix("_proxy")] = value
            else:
                found.pop(lowered.removesuffix("_proxy"), None)
        return cls(found)

    def for_url(self, url: str) -> str | None:
        """The proxy URL (credentials included, for the client) for a request to ``url``, or None
        when the request goes direct (no variable for its scheme, or ``NO_PROXY`` names its host)."""
        parts = urlsplit(url)
        kind = _SCHEMES.get(parts.scheme.lower())
        proxy = (self.variables.get(kind) if kind else None) or self.variables.get("all")
        if proxy is None or not parts.hostname:
            return None
        if "no" in self.variables:
            host = parts.netloc.rsplit("@", 1)[-1]
            if proxy_bypass_environment(host, {"no": self.variables["no"]}):
                return None
        return proxy if "://" in proxy else f"http://{proxy}"

    def aiohttp_middlewares(self) -> tuple[aiohttp.ClientMiddlewareType, ...]:
        """aiohttp client middlewares (for ``ClientSession(middlewares=…)``) that send each
        request of a session the way :meth:`for_url` says for its URL, whatever proxy the caller
        passed (slack_sdk passes its own, read from ``os.environ`` when it was given none,
        ``NO_PROXY`` ignored). None without any proxy variable: nothing to decide per request.
        Not aiohttp's ``trust_env``: that also reads ``~/.netrc``, whose entry for a host would
        clash with the Authorization header our calls carry."""
        if not self.variables:
            return ()

        async def route(
            request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
        ) -> aiohttp.ClientResponse:
            proxy = self.for_url(str(request.url))
            if proxy is None:
                request.update_proxy(None, None, None)
            else:
                # Credentials apart (aiohttp sends them as Proxy-Authorization), so the proxy
                # URL in aiohttp's own error texts carries none. from_url: BasicAuth() itself
                # is deprecated in aiohttp 3.14, this way to make one is not.
                url = URL(proxy)
                auth = aiohttp.BasicAuth.from_url(url)
                request.update_proxy(url.with_user(None), auth, request.proxy_headers)
            return await handler(request)

        return (route,)

    def shown(self, url: str) -> str | None:
        """:meth:`for_url` without credentials, for people to read (check, logs)."""
        proxy = self.for_url(url)
        return without_credentials(proxy) if proxy else None

    def __repr__(self) -> str:
        shown = {k: (v if k == "no" else without_credentials(v)) for k, v in self.variables.items()}
        return f"Proxies({shown!r})"


_NAMES = {f"{kind}_proxy" for kind in ("http", "https", "all", "no")}


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` taken out."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=host))
