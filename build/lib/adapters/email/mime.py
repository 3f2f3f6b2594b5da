"""The MIME structure of one email: which parts are the body text and which are attachments,
within limits on depth, part count and HTML size so a hostile message cannot keep us busy.

Text parts are decoded in their charset (adapters.email.charsets), format=flowed text is
unwrapped and HTML converted (adapters.email.html_text); the email package's defects become
notes.
"""

from __future__ import annotations

import itertools
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from adapters.email.charsets import decode_text
from adapters.email.headers import MAX_NAME_CHARS, header_text, one_line
from adapters.email.html_text import html_to_text
from bot.models import Attachment

# Nesting deeper than this is an attack or a loop of forwards; nobody writes such mail.
MAX_MIME_DEPTH = 25
# A message with more parts is an attack or a broken generator; an attachment list that long
# helps nobody, and policy.default needs about a millisecond per part.
MAX_MIME_PARTS = 1_000
# HTML is cut at this many times max_body_chars before conversion: markup-heavy newsletters
# are about ten times their text, and rendering megabytes of HTML takes seconds.
HTML_CHARS_PER_BODY_CHAR = 10


@dataclass
class Budget:
    """Limits shared by one MIME walk, so a hostile message cannot keep us busy for minutes."""

    parts_left: int
    html_chars: int  # HTML longer than this is cut before conversion (rendering is slow)
    html_cut: bool = False


@dataclass
class Content:
    """What the MIME walk found: body texts (with their kind) and attachments."""

    notes: list[str]
    budget: Budget
    texts: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    def add_text(self, text: str, kind: str) -> None:
        if text.strip():
            self.texts.append(text)
            self.kinds.append(kind)


def read_content(msg: Message, notes: list[str], *, max_body_chars: int) -> Content:
    """Body texts and attachments of `msg`, read within the MIME budget; oddities go to notes."""
    budget = Budget(MAX_MIME_PARTS, HTML_CHARS_PER_BODY_CHAR * max_body_chars)
    content = Content(notes=notes, budget=budget)
    _collect(msg, content, depth=0)
    return content


def note_defects(msg: Message, notes: list[str]) -> None:
    """Record what the email package found wrong, so people know why a message looks odd."""
    parts = itertools.islice(_walk(msg), MAX_MIME_PARTS)
    names = [type(defect).__name__ for part in parts for defect in part.defects]
    if names:
        counted = ", ".join(
            name if names.count(name) == 1 else f"{name} x{names.count(name)}"
            for name in dict.fromkeys(names)
        )
        notes.append(f"MIME defects: {counted}")


_BODY_TYPES = ("text/plain", "text/html")


def _collect(part: Message, content: Content, depth: int) -> None:
    """Add the body text and attachments of `part` (and its children) to `content`."""
    if depth > MAX_MIME_DEPTH:
        content.notes.append(f"MIME parts nested deeper than {MAX_MIME_DEPTH} were skipped")
        return
    if content.budget.parts_left <= 0:
        content.notes.append(f"only the first {MAX_MIME_PARTS:,} MIME parts were read")
        return
    content.budget.parts_left -= 1
    # policy.default parses a header again on every access, so read each one only once.
    content_type = part.get_content_type()
    disposition = part.get_content_disposition()
    filename = _filename(part)
    if content_type in _BODY_TYPES and (depth == 0 or disposition == "inline"):
        # Text shown inline is body, even when the client gave it a filename (mutt and Apple
        # Mail do); so is a message that is only text.
        _collect_text(part, content_type, content)
    elif disposition == "attachment" or filename is not None or content_type.startswith("message/"):
        # A forwarded message/rfc822 is a document the sender attached, not their text.
        content.attachments.append(_attachment(part, content_type, filename))
    elif part.is_multipart():
        _collect_multipart(part, content_type, content, depth)
    elif content_type in _BODY_TYPES or content_type.startswith("multipart/"):
        _collect_text(part, content_type, content)
    else:
        content.attachments.append(_attachment(part, content_type, None))


def _collect_multipart(part: Message, content_type: str, content: Content, depth: int) -> None:
    children = _children(part)
    if content_type == "multipart/alternative":
        _collect_alternative(children, content, depth)
        return
    if content_type == "multipart/encrypted":
        content.notes.append("the message is encrypted; its body cannot be read")
    for child in children:
        _collect(child, content, depth + 1)


def _collect_alternative(children: list[Message], content: Content, depth: int) -> None:
    """Take the text of one alternative: plain text if there is one, else the last (richest).

    Attachments of every alternative are kept: Apple Mail puts pasted screenshots in the
    HTML alternative only, and they matter even when we read the plain-text one.
    """
    versions: list[Content] = []
    for child in children:
        version = Content(notes=[], budget=content.budget)
        _collect(child, version, depth + 1)
        versions.append(version)
        content.attachments.extend(version.attachments)
    with_text = [version for version in versions if version.texts]
    plain = [version for version in with_text if "html" not in version.kinds]
    chosen = plain[0] if plain else (with_text[-1] if with_text else None)
    if chosen is not None:
        content.texts.extend(chosen.texts)
        content.kinds.extend(chosen.kinds)
        content.notes.extend(chosen.notes)


def _collect_text(part: Message, content_type: str, content: Content) -> None:
    text = decode_text(_payload_bytes(part), part.get_content_charset(), content.notes)
    if content_type.startswith("multipart/"):
        # Declared multipart but without parts (no boundary found): the email package leaves
        # the raw text, which is the best we have.
        content.notes.append(f"{content_type} without parts was read as plain text")
    if content_type == "text/html":
        _collect_html(text, content)
        return
    if str(part.get_param("format", "")).lower() == "flowed":
        text = _unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    content.add_text(text, "plain")


def _collect_html(html: str, content: Content) -> None:
    limit = content.budget.html_chars
    if len(html) > limit:
        content.notes.append(f"HTML cut at {limit:,} characters before conversion")
        content.budget.html_cut = True
        html = html[:limit]
    text = html_to_text(html, content.notes)
    if text:
        content.add_text(text, "html")
        content.notes.append("HTML converted to text")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # RFC 2231 parameters with hostile values; treat as unnamed
        return None
    return (one_line(name) or None) if isinstance(name, str) else None


def _attachment(part: Message, content_type: str, filename: str | None) -> Attachment:
    name = filename
    if name is None and content_type in ("message/rfc822", "message/global"):
        children = _children(part)
        subject = one_line(header_text(children[0], "Subject")) if children else ""
        name = f"{subject[:MAX_NAME_CHARS] or 'forwarded message'}.eml"
    if name is None:
        name = "unnamed" + (mimetypes.guess_extension(content_type) or "")
    return Attachment(name=name, content_type=content_type, size=_decoded_size(part))


def _decoded_size(part: Message) -> int:
    """Size in bytes of the decoded content (for a message/rfc822 part: the whole message)."""
    if not part.is_multipart():
        return len(_payload_bytes(part))
    try:
        return sum(len(child.as_bytes()) for child in _children(part))
    except Exception:  # the generator can choke on broken nested messages; size is informative
        return 0


def _payload_bytes(part: Message) -> bytes:
    """The decoded (base64, quoted-printable) content of a leaf part; b'' if there is none."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken transfer encodings; the email package is lenient, not perfect
        return b""
    return payload if isinstance(payload, bytes) else b""


def _walk(part: Message, depth: int = 0) -> Iterator[Message]:
    """Like Message.walk(), but bounded in depth (walk() recurses without a limit)."""
    yield part
    if depth < MAX_MIME_DEPTH and part.is_multipart():
        for child in _children(part):
            yield from _walk(child, depth + 1)


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676), keeping quote depth."""
    lines: list[tuple[int, str, bool]] = []  # (quote depth, text, continues on next line)
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        soft = stripped.endswith(" ") and stripped != "-- "
        if soft and delsp:
            stripped = stripped[:-1]
        if lines and lines[-1][2] and lines[-1][0] == depth:
            lines[-1] = (depth, lines[-1][1] + stripped, soft)
        else:
            lines.append((depth, stripped, soft))
    return "\n".join((">" * depth + " " if depth else "") + text for depth, text, _ in lines)
