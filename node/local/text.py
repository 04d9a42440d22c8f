"""Text: Markdown to sanitised HTML, and sanitising HTML that came from elsewhere."""

from __future__ import annotations

import functools
import html as html_lib
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

# nh3 and markdown-it load with the first text shown or cleaned, not at start (bench/README.md)
if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
        "image"
    )


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


def sanitize_html(html: str, remote: bool = False) -> str:
    """Keep harmless formatting and http(s)/mailto links; drop scripts, styles, handlers, images.

    `remote`: HTML from another server, where a relative link (`/admin`, `//host`) would
    resolve against us; only absolute http(s)/mailto links are kept (issue #8).
    """
    import nh3

    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        url_relative="deny" if remote else "pass_through",
    )


_NOT_IN_URLS = re.compile(r"[\x00-\x20\x7f\\]")
WEB_SCHEMES = ("http", "https")


def web_url(value: object) -> str:
    """`value` if it is an absolute http(s) URL with a host, else "" (issue #8).

    Remote servers choose the URLs we show as links: `javascript:`, `data:`, `vbscript:`,
    scheme-relative `//host`, and anything with spaces, control characters or backslashes
    (which browsers strip or reinterpret) are refused, at arrival and again at render.
    """
    if not isinstance(value, str) or not value or len(value) > 2000:
        return ""
    if _NOT_IN_URLS.search(value):
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return ""
    return value


def markdown_to_html(text: str) -> str:
    """Render a resident's Markdown; raw HTML in it is shown as text, never executed."""
    return sanitize_html(_markdown().render(text or ""))


_TAG = re.compile(r"<[^>]+>")


def html_to_text(html: str) -> str:
    """Plain text of (sanitised) HTML, for summaries, search and e-mail."""
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", html or "")
    return html_lib.unescape(_TAG.sub("", text)).strip()
