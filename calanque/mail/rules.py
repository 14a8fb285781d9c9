"""The account's rules on incoming mail: forwarding and the absence reply.

Pure decisions and message building; ``sending.receive`` applies them.

- Forwarding is loop-safe: a message already carrying this account's
  ``Delivered-To`` header, or that went through too many hops, is not
  forwarded again (it is kept instead).
- The absence reply follows RFC 3834: never to an empty envelope sender,
  to automatic mail (Auto-Submitted, Precedence bulk/list/junk), to mailing
  lists (List-Id), to the account itself or to no-reply addresses; at most once
  per sender per 7 days; sent with an empty envelope sender.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from calanque.academy.models import Staff
from calanque.mail.models import Mailbox, VacationReply
from calanque.mail.parsing import Parsed

MAX_HOPS = 10
VACATION_EVERY = timedelta(days=7)
NO_REPLY = re.compile(r"^(no-?reply|ne-?pas-?repondre|mailer-daemon|postmaster|bounces?)[+@-]", re.I)


@dataclass
class Plan:
    keep: list[Staff] = field(default_factory=list)
    forwards: list[tuple[Staff, list[str]]] = field(default_factory=list)
    vacations: list[Staff] = field(default_factory=list)


def forward_addresses(mailbox: Mailbox | None) -> list[str]:
    if mailbox is None or not mailbox.forward_to.strip():
        return []
    return [a.strip().lower() for a in re.split(r"[,;\s]+", mailbox.forward_to) if "@" in a]


def plan(raw: bytes, parsed: Parsed, mail_from: str, recipients: list[Staff], mailboxes: list[Mailbox],
         hops: int) -> Plan:
    """What to do for each recipient (``mailboxes``: theirs, in order)."""
    result = Plan()
    mailboxes = {m.staff_id: m for m in mailboxes}
    delivered_to = {m.lower() for m in re.findall(rb"(?im)^Delivered-To:\s*(\S+)", raw.split(b"\r\n\r\n", 1)[0])
                    for m in [m.decode("ascii", "replace")]}
    for staff in recipients:
        mailbox = mailboxes.get(staff.pk)
        targets = [a for a in forward_addresses(mailbox) if a != staff.email]
        looping = staff.email in delivered_to or hops >= MAX_HOPS
        if targets and not looping:
            result.forwards.append((staff, targets))
            if mailbox.forward_keep_copy:
                result.keep.append(staff)
        else:
            result.keep.append(staff)
        if mailbox is not None and wants_vacation_reply(mailbox, parsed, mail_from, staff):
            result.vacations.append(staff)
    return result


def wants_vacation_reply(mailbox: Mailbox, parsed: Parsed, mail_from: str, staff: Staff) -> bool:
    if not mailbox.vacation_enabled or not mail_from:
        return False
    today = timezone.localdate()
    if (mailbox.vacation_start and today < mailbox.vacation_start) or (
            mailbox.vacation_end and today > mailbox.vacation_end):
        return False
    sender = mail_from.lower()
    if sender == staff.email or is_automatic(parsed, mail_from):
        return False
    last = VacationReply.objects.filter(mailbox=mailbox, sender=sender).values_list("sent_at", flat=True).first()
    return last is None or timezone.now() - last >= VACATION_EVERY


def is_automatic(parsed: Parsed, mail_from: str) -> bool:
    """Mail that must never be answered automatically (RFC 3834): bounces
    (empty envelope sender), robots, automatic replies, bulk mail and lists."""
    return (not mail_from or bool(NO_REPLY.match(mail_from.lower())) or parsed.auto_submitted not in ("", "no")
            or parsed.precedence in ("bulk", "list", "junk") or bool(parsed.list_id))


def record_vacation_reply(mailbox: Mailbox, sender: str) -> None:
    VacationReply.objects.update_or_create(mailbox=mailbox, sender=sender.lower(),
                                           defaults={"sent_at": timezone.now()})


def forwarded(raw: bytes, staff: Staff) -> bytes:
    return f"Delivered-To: {staff.email}\r\n".encode() + raw


def vacation_reply(mailbox: Mailbox, staff: Staff, parsed: Parsed, to: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{staff.get_full_name()} <{staff.email}>"
    message["To"] = to
    message["Subject"] = mailbox.vacation_subject or f"Absence : {parsed.subject}"[:200]
    message["Date"] = format_datetime(timezone.localtime())
    message["Message-ID"] = make_msgid(domain=staff.academy.domain)
    message["Auto-Submitted"] = "auto-replied"
    if parsed.message_id:
        message["In-Reply-To"] = parsed.message_id
        message["References"] = parsed.message_id
    message.set_content(mailbox.vacation_text or "Je suis absent(e) et lirai votre message à mon retour.")
    return message.as_bytes(policy=policy.SMTP)
