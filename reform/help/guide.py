"""The docs/ Markdown files rendered to safe HTML, with stable anchors on their headings.

A numbered heading ("### 10.4 Bands per block") takes its anchor from the number
("section-10-4"), so the Vietnamese and English guides share anchors and a page's help link
works in either language; an unnumbered one takes its words, after its section's number.
Raw HTML in the Markdown is shown as text, never passed through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+")
ALIGN = re.compile(r"text-align:\s*(left|right|center)")


@dataclass(frozen=True)
class Heading:
    """One heading of a document: its level, anchor and text."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Document:
    """A rendered document: its title, its headings in order and its HTML."""

    title: str
    headings: tuple[Heading, ...]
    html: Markup

    @property
    def anchors(self) -> frozenset[str]:
        """Every anchor a link may point at."""
        return frozenset(h.anchor for h in self.headings)


def slug(text: str) -> str:
    """Lowercase ASCII words joined by dashes ("Tìm đơn vị" → "tim-don-vi")."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "section"


def _anchors(tokens) -> list[Heading]:
    """Give every heading an id; the numbered section the heading sits in prefixes the others."""
    headings, taken, section = [], set(), ""
    for position, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = tokens[position + 1].content.strip()
        level = int(token.tag[1])
        numbered = NUMBERED.match(text)
        if numbered:
            section = numbered.group(1).replace(".", "-")
            anchor = f"section-{section}"
        elif level == 1:
            anchor = "top"
        else:
            anchor = "-".join(part for part in ("section", section, slug(text)) if part)
        unique, n = anchor, 2
        while unique in taken:
            unique, n = f"{anchor}-{n}", n + 1
        taken.add(unique)
        token.attrSet("id", unique)
        headings.append(Heading(level, unique, text))
    return headings


def _no_inline_styles(tokens) -> None:
    """Table alignment as classes: the Content-Security-Policy allows no style attribute."""
    for token in tokens:
        style = token.attrGet("style") if token.attrs else None
        if style:
            del token.attrs["style"]
            found = ALIGN.search(str(style))
            if found:
                token.attrJoin("class", f"align-{found.group(1)}")


def _parser() -> MarkdownIt:
    # CommonMark with tables; "html": False escapes any raw HTML (e.g. "<unit>" in the text).
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Document:
    """The Markdown text as a document with anchored headings."""
    md = _parser()
    tokens = md.parse(text)
    headings = _anchors(tokens)
    _no_inline_styles(tokens)
    # Tables scroll sideways inside their own box on a phone instead of widening the page.
    html = md.renderer.render(tokens, md.options, {})
    html = html.replace("<table>", '<div class="table-scroll"><table>').replace(
        "</table>", "</table></div>"
    )
    title = next((h.text for h in headings if h.level == 1), "")
    return Document(title, tuple(headings), Markup(html))


@lru_cache(maxsize=16)
def _cached(path: str, mtime_ns: int) -> Document:
    return render_markdown(Path(path).read_text(encoding="utf-8"))


def load(path: Path) -> Document:
    """The file rendered, kept until it changes on disk."""
    return _cached(str(path), path.stat().st_mtime_ns)
