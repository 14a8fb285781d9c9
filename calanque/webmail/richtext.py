"""The formatted text of compose (bold, italic, lists, links): what the
editor may produce, and nothing else.

The editor runs in the portal's page, so what comes back from the browser is
cleaned with a small allow-list before it is stored or sent, and again
before a draft is put back into the editor.
"""

from html import escape

import nh3

TAGS = {"p", "br", "div", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a", "blockquote"}


def clean(html: str) -> str:
    """The allowed part of ``html`` ("" when no text is left)."""
    try:
        cleaned = nh3.clean(html or "", tags=TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
                            strip_comments=True).strip()
    except Exception:  # noqa: BLE001 - unreadable input: plain text only
        return ""
    return cleaned if nh3.clean(cleaned, tags=set()).strip() else ""


def with_signature(html: str, signature: str) -> str:
    if not html or not signature:
        return html
    lines = "<br>".join(escape(line) for line in signature.splitlines())
    return f"{html}<p>-- <br>{lines}</p>"
