"""Local delivery: raw bytes → a copy in the INBOX of each recipient.

``deliver`` writes the bytes once to the blob store (durable before anything
refers to them), then in one transaction: the shared ``Content`` row (parsed
once) and its search entry, one ``Message`` per recipient with the folder's
next UID, and the folder and mailbox counters. When it returns, the message is
committed: only then may the SMTP server answer 250.

Recipients are checked before DATA by ``recipient_status`` (unknown, disabled,
over quota), so that senders learn at once.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from calanque.academy.identifiers import fold
from calanque.academy.models import Academy, Staff
from calanque.mail import blobs, quota, search, services
from calanque.mail.models import Content, Folder, Mailbox, Message
from calanque.mail.parsing import Parsed, format_addresses, html_to_text, parse

SPECIAL_FOLDERS = [
    (Folder.Special.INBOX, "Réception"),
    (Folder.Special.SENT, "Envoyés"),
    (Folder.Special.DRAFTS, "Brouillons"),
    (Folder.Special.TRASH, "Corbeille"),
    (Folder.Special.JUNK, "Indésirables"),
    (Folder.Special.ARCHIVE, "Archives"),
]


class RecipientRefused(Exception):
    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def mailbox_for(staff: Staff) -> Mailbox:
    """The account's mailbox with its special folders, created on first use."""
    mailbox = Mailbox.objects.filter(staff=staff).first()
    if mailbox is not None:
        return mailbox
    with transaction.atomic():
        mailbox, created = Mailbox.objects.get_or_create(staff=staff)
        if created:
            Folder.objects.bulk_create(
                Folder(mailbox=mailbox, name=name, special=special) for special, name in SPECIAL_FOLDERS
            )
    return mailbox


def mailboxes_for(recipients: list[Staff]) -> list[Mailbox]:
    """``mailbox_for`` of each account, in one query for those that have one
    (a circular to 1,000 colleagues reads 1,000 mailboxes at once)."""
    found = {m.staff_id: m for m in Mailbox.objects.filter(staff__in=recipients)}
    mailboxes = [found.get(staff.pk) or mailbox_for(staff) for staff in recipients]
    for mailbox, staff in zip(mailboxes, recipients, strict=True):
        mailbox.staff = staff
    return mailboxes


def recipient_status(address: str, mail_from: str = "") -> str:
    """The SMTP answer to ``RCPT TO:<address>`` (from ``mail_from``): one
    query for an account of the académie (with its mailbox's usage)."""
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    staff = (Staff.objects.filter(email=address, is_active=True).select_related("academy", "mailbox").first()
             if local else None)
    if staff is None or staff.academy.domain != domain:
        if not local or not Academy.objects.filter(domain=domain).exists():
            return "550 5.7.1 Relais refusé : ce serveur ne reçoit que le courrier de l'académie"
        if staff is None:
            service = services.service_for(address)
            if service is not None:
                return service.rcpt_status(address, mail_from)
            return "550 5.1.1 Destinataire inconnu"
    try:
        used = staff.mailbox.used_bytes
    except Mailbox.DoesNotExist:  # no mail yet
        used = 0
    if used >= staff.quota_mb * 1024 * 1024:
        if staff.academy.quota_refusal_permanent:
            return "552 5.2.2 Boîte du destinataire pleine"
        return "452 4.2.2 Boîte du destinataire pleine, réessayez plus tard"
    return "250 OK"


@dataclass
class Delivered:
    sha256: str
    copies: int


@dataclass
class Prepared:
    """What a message's ``Content`` row holds, computed from its bytes:
    parsing and stemming, pure Python. Callers that can do it before their
    transaction (the SMTP server) keep SQLite's write lock, taken at BEGIN,
    for the writes alone."""
    parsed: Parsed
    fields: dict


def prepare(raw: bytes, parsed: Parsed | None = None) -> Prepared:
    parsed = parsed or parse(raw)
    body = parsed.text or html_to_text(parsed.html)
    people = " ".join(f"{n} {a}" for n, a in [(parsed.from_name, parsed.from_address), *parsed.to, *parsed.cc])
    return Prepared(parsed, {
        "size": len(raw), "subject": parsed.subject, "from_name": parsed.from_name,
        "from_address": parsed.from_address, "to_text": format_addresses(parsed.to)[:5000],
        "cc_text": format_addresses(parsed.cc)[:5000], "sent_at": parsed.date, "message_id": parsed.message_id,
        "thread_key": parsed.thread_key, "has_attachments": any(not a.inline for a in parsed.attachments),
        "preview": parsed.preview, "parse_problem": "; ".join(parsed.problems)[:200],
        "search_text": search.index_text(parsed.subject, people, body,
                                         " ".join(a.filename for a in parsed.attachments)),
    })


def content_for(raw: bytes) -> Content:
    """Store ``raw`` (durably) and return its Content row, created and
    indexed on first sight (call inside a transaction)."""
    sha = blobs.store().put(raw)
    return _content(sha, prepare(raw))


def _content(sha: str, prepared: Prepared) -> Content:
    content = Content.objects.filter(sha256=sha).first()
    if content is not None:
        return content
    content = Content.objects.create(sha256=sha, **prepared.fields)
    search.add_to_index(content.id, content.search_text)
    return content


def _sort_keys(content: Content) -> dict:
    sender = fold(content.from_name or content.from_address)[:200]
    subject = fold(content.subject)
    for prefix in ("re:", "tr:", "fwd:", "fw:", "re :", "tr :"):
        if subject.startswith(prefix):
            subject = subject[len(prefix):].lstrip()
    return {"sender_key": sender, "subject_key": subject[:200]}


def _counted(model, pk: int, returning: str, **increments) -> tuple:
    """``UPDATE … SET column = column + n … RETURNING``: one statement that
    locks the row until the commit (so UIDs never collide) and gives back the
    new values. Django's ``update`` cannot return them."""
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = {connection.ops.quote_name(c)} + %s" for c in increments)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s RETURNING {returning}",
                       [*increments.values(), pk])
        return cursor.fetchone()


def store_copy(mailbox: Mailbox, folder: Folder, content: Content, *, seen=False, draft=False,
               received_at: datetime | None = None) -> Message:
    """Add a copy of ``content`` to ``folder`` and update the counters (call
    inside a transaction). ``mailbox.used_bytes`` and ``warned_percent``
    are refreshed from the database on the way."""
    (uid_next,) = _counted(Folder, folder.pk, "uid_next", uid_next=1, total=1, unread=0 if seen else 1,
                           size_bytes=content.size)
    mailbox.used_bytes, mailbox.warned_percent = _counted(Mailbox, mailbox.pk, "used_bytes, warned_percent",
                                                          used_bytes=content.size)
    now = received_at or timezone.now()
    return Message.objects.create(
        mailbox=mailbox, folder_id=folder.pk, uid=uid_next - 1, content=content, received_at=now,
        date=content.sent_at or now, size=content.size, seen=seen, draft=draft,
        has_attachments=content.has_attachments, **_sort_keys(content),
    )


def deliver(raw: bytes, recipients: list[Staff], *, prepared: Prepared | None = None,
            mailboxes: list[Mailbox] | None = None) -> Delivered:
    """Store ``raw`` once and put a copy in each recipient's INBOX (no rules:
    see ``sending.receive``; ``prepared`` and ``mailboxes``: when the caller
    has them). Returns after the commit. Raises on storage errors (the
    caller answers 451)."""
    sha = blobs.store().put(raw)
    prepared = prepared or prepare(raw)
    mailboxes = mailboxes if mailboxes is not None else mailboxes_for(recipients)
    with transaction.atomic():
        content = _content(sha, prepared)
        inboxes = {f.mailbox_id: f for f in Folder.objects.filter(
            mailbox__in=mailboxes, special=Folder.Special.INBOX).only("id", "mailbox_id")}
        for mailbox in mailboxes:
            store_copy(mailbox, inboxes[mailbox.pk], content)
        for mailbox in mailboxes:
            _warn_if_needed(mailbox, inboxes[mailbox.pk])
    return Delivered(sha, len(mailboxes))


def _warn_if_needed(mailbox: Mailbox, inbox: Folder) -> None:
    """After a copy: the quota warning of a threshold just crossed (the
    counters in ``mailbox`` are fresh from ``store_copy``)."""
    threshold = quota.threshold_to_warn(mailbox)
    if threshold is not None:
        Mailbox.objects.filter(pk=mailbox.pk).update(warned_percent=threshold)
        store_copy(mailbox, inbox, content_for(quota.warning_message(mailbox, threshold)))


def received_header(helo: str, peer: str, recipient_count: int, hostname: str) -> bytes:
    stamp = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    helo = "".join(c for c in (helo or "inconnu") if c.isprintable() and c not in "\r\n")[:100]
    return (f"Received: from {helo} ({peer})\r\n\tby {hostname} (Calanque) with ESMTP"
            f"{' for ' + str(recipient_count) + ' recipients' if recipient_count > 1 else ''};\r\n"
            f"\t{stamp}\r\n").encode("ascii", "replace")


# Our own stamp, put in front of every message by the inbound SMTP server
# (``received_header``), whatever its hostname. Mail written inside the
# portal (webmail, notifications) never goes through it.
INBOUND_STAMP = re.compile(rb"^received:.*\bby \S+ \(Calanque\) with ESMTP", re.I | re.M)
HEADER_END = re.compile(rb"\r?\n\r?\n")


def arrived_from_outside(raw: bytes) -> bool:
    """Whether ``raw`` came in over SMTP from outside the portal: its
    headers carry our ``Received:`` stamp (first, or under the
    ``Delivered-To:`` of a forward). Unlike From:, which anybody writes,
    an outside sender can add such a line but never remove ours."""
    end = HEADER_END.search(raw)
    header = raw[:end.start()] if end else raw
    return bool(INBOUND_STAMP.search(re.sub(rb"\r?\n[ \t]+", b" ", header)))
