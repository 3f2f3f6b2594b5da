"""Bytes to text for email: declared charsets with lenient fallbacks, and lone surrogates.

Kept apart from the MIME walk because header decoding needs it too (raw 8-bit bytes in old
clients' headers), while the MIME walk needs header decoding (to name a forwarded message);
with the charsets here, neither of those two modules has to import the other.
"""

from __future__ import annotations

import codecs
import re

# Undecodable bytes that the email package keeps as lone surrogates (surrogateescape).
SURROGATE = re.compile("[\ud800-\udfff]")

# WHATWG Encoding Standard: mail clients and browsers read these labels as windows-1252, which
# only differs from latin-1 in 0x80-0x9F (where latin-1 has invisible control characters).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252"}


def clean(text: str) -> str:
    """Text without lone surrogates (left by undecodable header bytes), which break storage."""
    if SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def decode_text(data: bytes, charset: str | None, notes: list[str]) -> str:
    """Decode text in its declared charset; never raises.

    Fallbacks, in order: utf-8 (the usual truth behind a wrong label); utf-8 with
    replacement characters when most of the non-ASCII bytes are valid utf-8; then the declared
    charset with replacement characters if Python knows it (and it is not ascii or utf-8, which
    old mailers declare for latin-1 text), else windows-1252 or, when a byte is undefined there,
    latin-1 (which decodes anything; both are right for old European mail).
    """
    known = _codec(charset)
    if known is not None:
        try:
            return data.decode(known)
        except (UnicodeError, LookupError, ValueError):
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if charset is not None:
            notes.append(_charset_note(charset, known, "utf-8"))
        return text
    if _mostly_utf8(data):
        notes.append(_charset_note(charset, known, "utf-8 (invalid bytes replaced)"))
        return data.decode("utf-8", "replace")
    if known is not None and known not in ("ascii", "utf-8"):
        # Mostly right in a multi-byte charset (a few broken sequences) beats latin-1 garbage.
        notes.append(f"text is not valid {charset}; invalid bytes were replaced")
        return data.decode(known, "replace")
    try:
        text, used = data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        text, used = data.decode("latin-1"), "latin-1"
    notes.append(_charset_note(charset, known, used))
    return text


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or not a text codec."""
    if not charset:
        return None
    name = _CHARSET_ALIASES.get(charset.strip().lower(), charset.strip().lower())
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # Codecs such as 'base64' or 'rot13' are not text encodings: a hostile label could name one.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _charset_note(charset: str | None, known: str | None, used: str) -> str:
    if charset is None:
        return f"8-bit text without a charset, decoded as {used}"
    if known is None:
        return f"charset {charset!r} unknown, decoded as {used}"
    return f"text is not valid {charset}, decoded as {used}"


def _mostly_utf8(data: bytes) -> bool:
    """True when at least 3 in 4 non-ASCII bytes form valid utf-8 (a few broken sequences)."""
    high = sum(1 for byte in data if byte >= 0x80)
    invalid = len(SURROGATE.findall(data.decode("utf-8", "surrogateescape")))
    return high > 0 and invalid * 4 <= high
