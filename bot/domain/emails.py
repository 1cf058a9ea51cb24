"""When two e-mail addresses name the same mailbox (issue #16 item 5).

Linking trusts "the Questetra account's e-mail is the Slack profile's e-mail", so the comparison
must never fold two *different* addresses together. The rule, chosen and documented (README
"Trust model"):

- Only plain ASCII addresses take part: ``local@domain`` of printable ASCII, no spaces, no
  control characters, exactly one ``@``. An internationalised address (RFC 6531, SMTPUTF8) never
  matches anything, not even itself: Unicode case folding and normalisation map different
  characters together (``ſ`` → ``s``, the Kelvin sign ``K`` → ``k``, dotless ``ı``, full-width
  forms under NFKC), and a Cyrillic ``а`` looks like a Latin ``a``. Such users are linked by an
  admin mapping to an ASCII address, or not at all.
- The whole address is compared ASCII-case-insensitively (``A``-``Z`` ↔ ``a``-``z`` only).
  Domains are case-insensitive (RFC 5321 §2.3.5, RFC 1035 §2.3.3). RFC 5321 §2.4 lets a host treat
  the local part case-sensitively but says "exploiting the case sensitivity of mailbox
  local-parts impedes interoperability and is discouraged"; the mail systems behind Slack and
  Questetra accounts (Google Workspace, Microsoft 365) treat ``Alice@`` and ``alice@`` as one
  mailbox, and Slack workspaces and Questetra tenants do not hold two accounts differing only in
  case. Folding ASCII case therefore joins only spellings of one mailbox.
"""

from __future__ import annotations

import re

# Printable ASCII except space, "@" once, something on both sides, a dot-free or dotted domain.
_ADDRESS = re.compile(r"^[\x21-\x3f\x41-\x7e]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def canonical_email(text: str | None) -> str | None:
    """The address with ASCII letters lowered, or None when it is not a plain ASCII address
    (see the module docstring). Leading and trailing spaces are dropped."""
    value = (text or "").strip()
    if not value or not value.isascii() or not _ADDRESS.match(value):
        return None
    return value.translate(_ASCII_UPPER)


def same_mailbox(a: str | None, b: str | None) -> bool:
    """True when ``a`` and ``b`` are the same plain ASCII address up to ASCII case."""
    left, right = canonical_email(a), canonical_email(b)
    return left is not None and left == right
