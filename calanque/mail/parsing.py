"""Raw bytes → what the store and the reader need, with the standard library
(``email``: the ``compat32`` parser, and the header decoding of
``email.header`` and ``email.utils`` for the headers that are read).

Mail is hostile: ``parse`` never raises. A part that cannot be decoded is
skipped and noted in ``problems``; headers that cannot be read are left
empty; the original bytes are never changed (they stay in the blob store).
"""

import base64
import binascii
import codecs
import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email._policybase import Compat32
from email.headerregistry import Address
from email.utils import getaddresses, parsedate_to_datetime

import nh3

MAX_DEPTH = 20


class _RawHeaders(Compat32):
    """The ``compat32`` parser with headers read as the raw strings it
    stored (8-bit bytes kept as surrogates, for ``clean``), not ``Header``
    objects that replace those bytes."""

    def header_fetch_parse(self, name, value):
        return value


RAW_HEADERS = _RawHeaders()
_FOLDING = re.compile(r"\r?\n(?=[ \t])")
ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
PREVIEW_LENGTH = 200


@dataclass
class Attachment:
    part: str  # dotted position in the MIME tree, e.g. "2.1"
    filename: str
    content_type: str
    size: int
    inline: bool = False
    content_id: str = ""


@dataclass
class Parsed:
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    bcc: list[tuple[str, str]] = field(default_factory=list)
    date: datetime | None = None
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    calendars: list[str] = field(default_factory=list)
    auto_submitted: str = ""
    precedence: str = ""
    list_id: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def thread_key(self) -> str:
        """The first message of the conversation (References, else
        In-Reply-To, else this Message-ID), hashed to a fixed size."""
        root = (self.references[0] if self.references else "") or self.in_reply_to or self.message_id
        return hashlib.sha256(root.encode()).hexdigest()[:32] if root else ""

    @property
    def preview(self) -> str:
        source = self.text or html_to_text(self.html)
        return " ".join(source.split())[:PREVIEW_LENGTH]


def html_to_text(html: str) -> str:
    if not html:
        return ""
    try:
        stripped = nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    except Exception:  # noqa: BLE001 - hostile HTML must not break parsing
        stripped = re.sub(r"<[^>]*>", " ", html)
    return re.sub(r"&nbsp;|&#160;", " ", stripped).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def _encoded_word(match: re.Match) -> str:
    charset, encoding, text = match.group(1).split("*")[0], match.group(2).lower(), match.group(3)
    try:
        data = (base64.b64decode(text + "=" * (-len(text) % 4)) if encoding == "b"
                else binascii.a2b_qp(text.encode("ascii", "replace"), header=True))
    except (ValueError, binascii.Error):
        return match.group(0)
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset nobody knows: UTF-8 is the best guess
        return data.decode("utf-8", "replace")


def _decoded(value: str) -> str:
    """A raw header value as text: folding undone, 8-bit bytes decoded
    (``clean``), encoded words (RFC 2047) decoded, the space between two
    of them dropped."""
    value = clean(_FOLDING.sub("", value))
    if "=?" not in value:
        return value
    return ENCODED_WORD.sub(_encoded_word, BETWEEN_WORDS.sub(r"\1\2", value))


def _raw_all(message, name: str) -> list[str]:
    try:
        return [str(v) for v in message.get_all(name, [])]
    except Exception:  # noqa: BLE001 - malformed header
        return []


def _header(message, name: str) -> str:
    values = _raw_all(message, name)
    return _decoded(values[0]).strip() if values else ""


def _addresses(message, name: str) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses([_FOLDING.sub("", v) for v in _raw_all(message, name)])
    except Exception:  # noqa: BLE001
        return []
    return [(_decoded(n).strip(), a.lower()) for n, a in pairs if a or n]


def _date(message) -> datetime | None:
    raw = _header(message, "Date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except Exception:  # noqa: BLE001
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not (1970 <= value.year <= 2200):
        return None
    return value


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def _decoded_text(part) -> str:
    """A text part's content as ``get_content`` gives it: transfer encoding
    undone, decoded with its charset (UTF-8 when unknown), errors replaced."""
    payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode(part.get_param("charset", "ascii") or "ascii", errors="replace")
    except (LookupError, TypeError, ValueError):  # unknown or malformed charset
        return payload.decode("utf-8", errors="replace")


def _walk(part, position: str, parsed: Parsed, depth: int) -> None:
    if depth > MAX_DEPTH:
        parsed.problems.append("imbrication MIME trop profonde")
        return
    try:
        content_type = part.get_content_type()
    except Exception:  # noqa: BLE001
        content_type = "application/octet-stream"
    if content_type == "message/rfc822":
        # A forwarded message: an attachment that the reader can open.
        try:
            inner = part.get_payload()
            size = len(inner[0].as_bytes()) if isinstance(inner, list) and inner else 0
            filename = _decoded(str(part.get_filename() or "")) or "message.eml"
        except Exception:  # noqa: BLE001
            size, filename = 0, "message.eml"
        parsed.attachments.append(Attachment(part=position or "1", filename=str(filename)[:255],
                                             content_type=content_type, size=size))
        return
    if part.is_multipart():
        try:
            children = part.get_payload()
        except Exception:  # noqa: BLE001
            children = []
        if not isinstance(children, list):
            children = []
        for index, child in enumerate(children, start=1):
            _walk(child, f"{position}.{index}" if position else str(index), parsed, depth + 1)
        return
    try:
        disposition = part.get_content_disposition()
        filename = _decoded(str(part.get_filename() or ""))
    except Exception:  # noqa: BLE001
        disposition, filename = None, ""
    if content_type == "text/calendar":
        parsed.calendars.append(_decoded_text(part))
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        body = _decoded_text(part)
        if content_type == "text/plain" and not parsed.text:
            parsed.text = body
        elif content_type == "text/html" and not parsed.html:
            parsed.html = body
        return
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        payload = b""
    if not filename and disposition != "attachment" and content_type.startswith("image/") and part.get("Content-ID"):
        filename = "image"
    if filename or disposition == "attachment" or not content_type.startswith("text/"):
        parsed.attachments.append(Attachment(
            part=position or "1", filename=str(filename)[:255] or "sans-nom", content_type=content_type,
            size=len(payload), inline=disposition == "inline" or bool(part.get("Content-ID")),
            content_id=_header(part, "Content-ID").strip("<>"),
        ))


def _as_cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start:error.end].decode("cp1252", "replace"), error.end


codecs.register_error("calanque-cp1252", _as_cp1252)


def clean(value: str) -> str:
    """Text safe to store: 8-bit header bytes that the parser kept as
    surrogates are decoded (UTF-8, and the bytes that are not UTF-8 as
    Windows-1252), NUL bytes removed (PostgreSQL refuses them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "calanque-cp1252")
    return value.replace("\x00", "")


def _clean_all(parsed: Parsed) -> Parsed:
    for name in ("subject", "from_name", "from_address", "message_id", "in_reply_to", "text", "html",
                 "auto_submitted", "precedence", "list_id"):
        setattr(parsed, name, clean(getattr(parsed, name)))
    for name in ("to", "cc", "reply_to", "bcc"):
        setattr(parsed, name, [(clean(n), clean(a)) for n, a in getattr(parsed, name)])
    parsed.references = [clean(r) for r in parsed.references]
    parsed.calendars = [clean(c) for c in parsed.calendars]
    for attachment in parsed.attachments:
        attachment.filename = clean(attachment.filename)
        attachment.content_type = clean(attachment.content_type)
        attachment.content_id = clean(attachment.content_id)
    return parsed


def parse(raw: bytes) -> Parsed:
    try:
        return _clean_all(_parse(raw))
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never raise
        return Parsed(problems=[f"message illisible : {type(exc).__name__}"])


def _parse(raw: bytes) -> Parsed:
    parsed = Parsed()
    try:
        # compat32: headers stay raw strings, decoded here only for the few
        # that are read (policy.default parses every header it is asked for
        # with its full grammar: three times slower for the whole message).
        message = email.message_from_bytes(raw, policy=RAW_HEADERS)
    except Exception as exc:  # noqa: BLE001
        parsed.problems.append(f"message illisible : {type(exc).__name__}")
        return parsed
    parsed.subject = " ".join(_header(message, "Subject").split())[:500]
    senders = _addresses(message, "From")
    if senders:
        parsed.from_name, parsed.from_address = senders[0][0][:200], senders[0][1][:320]
    parsed.to = _addresses(message, "To")
    parsed.cc = _addresses(message, "Cc")
    parsed.reply_to = _addresses(message, "Reply-To")
    parsed.bcc = _addresses(message, "Bcc")
    parsed.date = _date(message)
    parsed.message_id = (_ids(_header(message, "Message-ID")) or [""])[0][:500]
    parsed.in_reply_to = (_ids(_header(message, "In-Reply-To")) or [""])[0][:500]
    parsed.references = _ids(_header(message, "References"))[:50]
    parsed.auto_submitted = _header(message, "Auto-Submitted").lower()
    parsed.precedence = _header(message, "Precedence").lower()
    parsed.list_id = _header(message, "List-Id")
    try:
        _walk(message, "", parsed, 0)
    except Exception as exc:  # noqa: BLE001 - keep what was read so far
        parsed.problems.append(f"structure MIME illisible : {type(exc).__name__}")
    for defect in getattr(message, "defects", [])[:5]:
        parsed.problems.append(type(defect).__name__)
    return parsed


def format_addresses(pairs: list[tuple[str, str]]) -> str:
    out = []
    for name, address in pairs:
        try:
            out.append(str(Address(display_name=name, addr_spec=address)) if name else address)
        except Exception:  # noqa: BLE001
            out.append(f"{name} <{address}>" if name else address)
    return ", ".join(out)


def part_bytes(raw: bytes, part: str) -> bytes | None:
    """The decoded content of the MIME part at ``part`` (the dotted position
    that ``Attachment.part`` gives); the whole inner message for a
    ``message/rfc822`` part. None when there is no such part."""
    try:
        node = email.message_from_bytes(raw, policy=policy.default)
        if not node.is_multipart() and part == "1" and node.get_content_type() != "message/rfc822":
            return node.get_payload(decode=True) or b""
        for index in part.split("."):
            children = node.get_payload() if node.is_multipart() else None
            if not index.isdigit() or not isinstance(children, list) or not (0 < int(index) <= len(children)):
                return None
            node = children[int(index) - 1]
        if node.get_content_type() == "message/rfc822":
            inner = node.get_payload()
            return inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        return node.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - hostile mail: no such part
        return None
