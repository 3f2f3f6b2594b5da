"""HTML to plain text for email bodies: block elements become line breaks, blockquotes '> '
(so quoted history looks like a plain-text reply and is trimmed the same way), script and
style dropped, and hostile markup defused before Python's HTMLParser sees it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from adapters.email.quoting import tidy_lines

_WHITESPACE = re.compile(r"\s+")
# Zero-width characters: newsletters stuff them into preheaders; they only hinder matching.
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200d\u2060\ufeff]")
_SKIP_TAGS = frozenset({"script", "style", "title", "template"})
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "blockquote", "pre", "hr"}
)
_LINE_TAGS = frozenset(
    {
        "br",
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "form",
        "fieldset",
        "center",
        "caption",
        "main",
        "nav",
        "aside",
        "figure",
        "figcaption",
        "details",
        "summary",
    }
)


class _HtmlToText(HTMLParser):
    """Renders HTML as plain text: block elements become line breaks, blockquotes '> '."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._skip = 0  # inside <script>, <style>, ...
        self._pre = 0
        self._quote = 0
        self._pending = 0  # line breaks to write before the next text
        self._line_open = False  # the current line has text
        self._bullet = False
        self._cell = False

    def text(self) -> str:
        """The rendered text, laid out like a trimmed plain-text reply."""
        return tidy_lines("".join(self._out).split("\n"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        self._block(tag)
        if tag == "li":
            self._bullet = True
        elif tag in ("td", "th"):
            self._cell = True
        elif tag == "blockquote":
            self._quote += 1
        elif tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        self._block(tag)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        data = _INVISIBLE.sub("", data)
        if not self._pre:
            self._write(_WHITESPACE.sub(" ", data))
            return
        for index, line in enumerate(data.replace("\r\n", "\n").split("\n")):
            if index:
                self._pending += 1
            self._write(line, keep_blank=True)

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self._pending = max(self._pending, 2)
        elif tag in _LINE_TAGS:
            self._pending = max(self._pending, 1)

    def _write(self, text: str, *, keep_blank: bool = False) -> None:
        if self._pending or not self._line_open:
            text = text if keep_blank else text.lstrip()
            if not text and not keep_blank:
                return
        if self._pending and self._out:
            prefix = ">" * self._quote
            self._out.append(("\n" + prefix) * (self._pending - 1) + "\n")
            self._line_open = False
        self._pending = 0
        if not self._line_open:
            if self._quote:
                self._out.append(">" * self._quote + " ")
            if self._bullet:
                self._out.append("- ")
            self._cell = False
        elif self._cell:
            self._out.append(" ")
            self._cell = False
        self._bullet = False
        self._out.append(text)
        self._line_open = bool(text) or self._line_open


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_UNCLOSED_BRACKET = re.compile(r"<(?![^<>]*>)")


def _defuse_html(html: str) -> str:
    """HTML without the constructs that make HTMLParser quadratic (CVE-2025-6069 and kin).

    Python 3.11's HTMLParser rescans the rest of the document for every unclosed '<', '<!--'
    or '</': a 100 KB email of '<a ' took minutes. Comments are dropped (they are never shown)
    and a '<' that is not closed by a '>' before the next '<' becomes text, as in a browser.
    Both regexes scan each character a bounded number of times.
    """
    html = _COMMENT.sub("", html)
    return _UNCLOSED_BRACKET.sub("&lt;", html)


def html_to_text(html: str, notes: list[str] | None = None) -> str:
    """Plain text of an HTML document: no script/style contents, entities decoded,
    paragraphs and line breaks kept, blockquotes prefixed with '> ' like a plain-text reply.
    """
    parser = _HtmlToText()
    try:
        parser.feed(_defuse_html(html))
        parser.close()
    except Exception:
        # HTMLParser is not documented to accept every hostile document; fall back to
        # stripping tags so the message still gets a body.
        if notes is not None:
            notes.append("the HTML could not be parsed; tags were stripped instead")
        stripped = re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", html))
        return _WHITESPACE.sub(" ", stripped).strip()
    return parser.text()
