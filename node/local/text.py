"""Text: Markdown to sanitised HTML, and sanitising HTML that came from elsewhere."""

from __future__ import annotations

import html as html_lib
import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable("image")

ALLOWED_TAGS = {
    "p",
    "br",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "span",
    "del",
    "s",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}


def sanitize_html(html: str) -> str:
    """Keep harmless formatting and http(s)/mailto links; drop scripts, styles, handlers, images."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def markdown_to_html(text: str) -> str:
    """Render a resident's Markdown; raw HTML in it is shown as text, never executed."""
    return sanitize_html(_md.render(text or ""))


_TAG = re.compile(r"<[^>]+>")


def html_to_text(html: str) -> str:
    """Plain text of (sanitised) HTML, for summaries, search and e-mail."""
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", html or "")
    return html_lib.unescape(_TAG.sub("", text)).strip()
