"""Merchant-written Markdown → safe HTML for the storefront.

Parsing: markdown-it-py (CommonMark, with tables and strikethrough), already a pinned
dependency, chosen over Python-Markdown, which is not CommonMark and passes raw HTML through
with no safe mode since 3.0. Sanitising: nh3 (the Rust ``ammonia`` sanitiser; bleach is
deprecated) with an allowlist of tags and attributes. Raw HTML in the Markdown is parsed and
then cleaned: ``<script>`` and ``<style>`` are removed with their content, event handlers and
``javascript:`` URLs are dropped, links get ``rel="noopener noreferrer nofollow"``.
"""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> str:
    """Sanitised HTML of ``text``. A page's own ``# heading`` becomes an ``h2`` (the page title
    is its ``h1``)."""
    html = _parser.render(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
