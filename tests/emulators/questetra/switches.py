"""Switches for what the public sources leave open (questetra-fidelity.md §2: every RISK row).

Where the sources are silent the emulator offers each plausible behaviour; tests cover every
setting. Defaults follow the best evidence, and are pessimistic where there is none (a client
that relies on an undocumented default must fail here, not on a real tenant).

    unauthenticated   what an /API/ call WITHOUT an Authorization header gets (C3):
                      "401" (plain 401, no WWW-Authenticate), "redirect" (302 to the sign-in
                      page), "html" (200 with the sign-in page)
    token_errors      the token endpoint's refusals (B6): "rfc" (RFC 6749 JSON, invalid_client
                      401 / invalid_grant 400), "spring" (401 {"error":"unauthorized"} for a bad
                      client, 400 {"error":"invalid_grant"} with Spring's descriptions), "html"
                      (the same statuses with HTML error pages)
    values            the JSON encoding of each undocumented ProcessData value type (G4), see
                      VALUE_SHAPES; by default the shapes closest to a source
    front             something in front of the tenant answering instead of it (#15 item 6):
                      None, "sign_in_html" (200 sign-in page, an SSO gateway), "sign_in_redirect"
                      (302 to an identity provider), "portal_html" (200 page of a proxy),
                      "json_no_id" (200 JSON of an API gateway, no process id in it)
    front_paths       path prefixes the front intercepts (default: the Message Start Events)
    list_cap          listAllocated / listOffered return at most this many tasks, ignoring
                      ``start`` (E1 for a user with more tasks than the cap); None: all
    sort_keys         the process search honours sortProperty / sortDirection (H1); False: a
                      server that ignores them (then the order is the default, oldest first)
    accept_refusal    how batchAccept reports a task it cannot accept (F3): "per_item"
                      ({"results":[{"success":false,…}]}) or "400" ({"errors":[…]})
    accept_blocked    batchAccept refuses every task, which stays offered (a refusal whose
                      reason the sources do not publish: the client must not guess it)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

# Each value type's encodings (first = default) ; values.render_value implements them.
VALUE_SHAPES: dict[str, tuple[str, ...]] = {
    # [SWG] SelectItem{value,display}; a JSON wrapper; bare choice ids
    "SELECT": ("objects", "wrapped", "ids"),
    # {"id","name","email"}; [TITANIUM] <quser> as {"quser":{…}}; [LOOKER] passes a plain text
    "QUSER": ("object", "wrapped", "name"),
    "QGROUP": ("object", "wrapped", "name"),
    # [TITANIUM] <qfile id name>; as {"qfile":[…]}; file names only
    "FILE": ("objects", "wrapped", "names"),
    # [TITANIUM] / [R2210b]: an XML string; with an <?xml?> declaration; rows of cells
    "LIST": ("xml", "xml_declared", "rows"),
    # a JSON number; [DLBLOG] CSV shows "60.00" and "60,000": a string, with separators
    "DECIMAL": ("number", "string", "grouped"),
}

Unauthenticated = Literal["401", "redirect", "html"]
TokenErrors = Literal["rfc", "spring", "html"]
Front = Literal["sign_in_html", "sign_in_redirect", "portal_html", "json_no_id"]
AcceptRefusal = Literal["per_item", "400"]


@dataclass
class Switches:
    unauthenticated: Unauthenticated = "401"
    token_errors: TokenErrors = "rfc"
    values: dict[str, str] = field(
        default_factory=lambda: {kind: shapes[0] for kind, shapes in VALUE_SHAPES.items()}
    )
    front: Front | None = None
    front_paths: tuple[str, ...] = ("/System/Event/MessageStart/",)
    list_cap: int | None = None
    sort_keys: bool = True
    accept_refusal: AcceptRefusal = "per_item"
    accept_blocked: bool = False

    def set(self, name: str, value: object) -> None:
        """Change one switch, checked (the control API and tests use this)."""
        known = {f.name for f in fields(self)}
        if name not in known:
            raise KeyError(f"unknown switch {name!r}; known: {sorted(known)}")
        if name == "values":
            if not isinstance(value, dict):
                raise TypeError("values is an object: data type -> shape")
            for kind, shape in value.items():
                if shape not in VALUE_SHAPES.get(kind, ()):
                    raise ValueError(
                        f"no shape {shape!r} for {kind!r}; "
                        f"known: { {k: list(v) for k, v in VALUE_SHAPES.items()} }"
                    )
            self.values = {**self.values, **value}
            return
        choices = {
            "unauthenticated": ("401", "redirect", "html"),
            "token_errors": ("rfc", "spring", "html"),
            "front": (None, "sign_in_html", "sign_in_redirect", "portal_html", "json_no_id"),
            "accept_refusal": ("per_item", "400"),
        }
        if name in choices and value not in choices[name]:
            raise ValueError(f"{name} is one of {choices[name]}")
        if name == "front_paths":
            value = tuple(str(p) for p in value) if isinstance(value, list | tuple) else (value,)
        setattr(self, name, value)

    def snapshot(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SIGN_IN_PATH = "/Login/signIn"  # where the emulated sign-in redirect points (same host)
IDP_URL = "https://idp.example/saml2/sso"  # where the emulated SSO front redirects
