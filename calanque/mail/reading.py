"""What the reader shows of a stored message: headers, text, HTML made safe,
attachments, the warnings the user needs.

Message HTML is hostile. It is cleaned with an allow-list (nh3: no script, no
form, no style sheet, filtered inline styles, links opened in a new tab with
``rel="noopener noreferrer"``); remote images are removed until the user asks
for them; ``cid:`` images point to the message's own attachments. The result
is only ever shown inside a sandboxed iframe whose document has its own strict
Content-Security-Policy (see the webmail view), never in the portal's DOM.
"""

import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlparse

import nh3

from calanque.academy.models import Academy
from calanque.mail import blobs
from calanque.mail.delivery import arrived_from_outside
from calanque.mail.models import Message
from calanque.mail.parsing import Attachment, Parsed, parse, part_bytes

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup", "dd", "del", "div", "dl",
    "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}
ATTRIBUTES = {
    "*": {"style", "title", "dir", "lang", "align", "valign", "width", "height"},
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan", "bgcolor"},
    "th": {"colspan", "rowspan", "bgcolor"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor"},
    "font": {"color", "face", "size"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight", "line-height",
    "text-align", "text-decoration", "text-indent", "vertical-align", "white-space", "margin", "margin-top",
    "margin-bottom", "margin-left", "margin-right", "padding", "padding-top", "padding-bottom", "padding-left",
    "padding-right", "border", "border-top", "border-bottom", "border-left", "border-right", "border-collapse",
    "border-color", "border-style", "border-width", "width", "max-width", "height", "display", "list-style-type",
}
REMOTE_PLACEHOLDER = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.S)
DOMAIN_IN_TEXT = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})", re.I)


@dataclass
class Reading:
    message: Message | None
    parsed: Parsed
    html: str = ""
    text: str = ""
    remote_blocked: bool = False
    suspicious_links: int = 0
    # From outside the académie: came in over SMTP (whatever its From: says),
    # or its From: is not an académie's address.
    external: bool = False
    # Came in over SMTP (``delivery.arrived_from_outside``): its From: proves nothing.
    inbound: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    cid_url: object = None  # content id → URL of the attachment, for ``cid:`` images

    def with_remote_images(self) -> str:
        """The message's HTML made safe again, remote images kept (when the
        reader asked for them, or trusts the sender)."""
        return safe_html(self.parsed.html, allow_remote=True, cid_url=self.cid_url)[0] if self.parsed.html else ""


def _domain(url: str) -> str:
    try:
        return (urlparse(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def safe_html(html: str, *, allow_remote: bool, cid_url) -> tuple[str, bool, int]:
    """(clean HTML, whether remote content was blocked, number of links whose
    text shows another domain than their target)."""
    blocked = False

    def attribute_filter(tag, attribute, value):
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if value.startswith("cid:"):
                return cid_url(value[4:])
            if value.startswith("data:image/"):
                return value
            if value.startswith(("http://", "https://", "//")):
                if allow_remote:
                    return value
                blocked = True
                return REMOTE_PLACEHOLDER
            return None
        if attribute == "style" and "url(" in value.lower():
            blocked = True
            return None
        return value

    try:
        cleaned = nh3.clean(
            html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
            link_rel="noopener noreferrer", set_tag_attribute_values={"a": {"target": "_blank"}},
            attribute_filter=attribute_filter, filter_style_properties=STYLE_PROPERTIES, strip_comments=True,
        )
    except Exception:  # noqa: BLE001 - unreadable HTML: show nothing rather than fail
        return "", False, 0
    suspicious = 0

    def flag(match):
        nonlocal suspicious
        href, rest, label = match.group(1), match.group(2), match.group(3)
        shown = DOMAIN_IN_TEXT.search(re.sub(r"<[^>]+>", "", label))
        target = _domain(href.replace("&amp;", "&"))
        if shown and target and not (target == shown.group(1).lower().removeprefix("www.")
                                     or target.endswith("." + shown.group(1).lower())):
            suspicious += 1
            warning = escape(f"Attention : ce lien mène à {target}")
            return (f'<a href="{href}"{rest} title="{warning}" class="calanque-suspect">{label}</a>'
                    f' <strong class="calanque-suspect">[{warning}]</strong>')
        return match.group(0)

    return LINK.sub(flag, cleaned), blocked, suspicious


def read(message: Message, *, allow_remote: bool = False, part_url=lambda part: "") -> Reading:
    """``part_url(part)`` gives the URL of an attachment, for ``cid:`` images."""
    return read_raw(blobs.store().get(message.content.sha256), message=message, allow_remote=allow_remote,
                    part_url=part_url)


def read_raw(raw: bytes, *, message: Message | None = None, allow_remote: bool = False,
             part_url=lambda part: "") -> Reading:
    """The same as ``read`` for bytes that are not a stored copy (a message
    attached to another, opened from its attachment)."""
    parsed = parse(raw)
    parts = {a.content_id: a.part for a in parsed.attachments if a.content_id}
    reading = Reading(message=message, parsed=parsed, text=parsed.text, attachments=parsed.attachments,
                      cid_url=lambda cid: part_url(parts[cid]) if cid in parts else None)
    if parsed.html:
        reading.html, reading.remote_blocked, reading.suspicious_links = safe_html(
            parsed.html, allow_remote=allow_remote, cid_url=reading.cid_url)
    sender_domain = parsed.from_address.rpartition("@")[2]
    reading.inbound = arrived_from_outside(raw)
    reading.external = reading.inbound or (bool(sender_domain)
                                           and not Academy.objects.filter(domain=sender_domain).exists())
    return reading


def came_from_outside(message: Message) -> bool:
    """``Reading.inbound`` without parsing the message (headers only)."""
    return arrived_from_outside(blobs.store().get(message.content.sha256))


def attachment_bytes(message: Message, part: str) -> tuple[Attachment, bytes] | None:
    """The decoded content of the attachment at ``part`` (dotted MIME
    position, validated by the caller's URL pattern)."""
    raw = blobs.store().get(message.content.sha256)
    found = next((a for a in parse(raw).attachments if a.part == part), None)
    data = part_bytes(raw, part) if found is not None else None
    return (found, data) if data is not None else None
