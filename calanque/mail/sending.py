"""Sending: one function for every message that leaves a process — webmail,
notifications, forwards, absence replies, bounces.

Recipients of the académie get their copy exactly as inbound mail does
(``delivery.deliver``); everybody else goes to the durable outbound queue
(``outbound``), relayed by the worker. Call inside the transaction of the
change that causes the message: it exists if and only if that change does.
"""

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calanque.academy.models import Academy, Staff
from calanque.mail import blobs, bounces, delivery, rules, services
from calanque.mail.models import OutboundMessage
from calanque.mail.parsing import parse


def is_local(address: str) -> bool:
    domain = address.rpartition("@")[2].lower()
    return Academy.objects.filter(domain=domain).exists()


def send_message(raw: bytes, mail_from: str, recipients: list[str], *, sender: Staff | None = None,
                 hops: int = 0) -> None:
    """Deliver ``raw`` to local recipients and queue it for the others.

    ``mail_from`` is the envelope sender ("" for automatic replies and
    bounces, which must never be answered). ``sender`` is the account that
    gets a bounce if an external recipient fails. Unknown local addresses are
    bounced at once to ``sender``.
    """
    recipients = list(dict.fromkeys(r.strip().lower() for r in recipients if r.strip()))
    local = [r for r in recipients if is_local(r)]
    external = [r for r in recipients if r not in local]
    with transaction.atomic():
        if local:
            missing = deliver_local(raw, mail_from, local, sender=sender, hops=hops)
            if missing and sender is not None and mail_from:
                bounces.bounce(raw, sender, {r: "550 5.1.1 Destinataire inconnu" for r in missing})
        if external:
            sha = blobs.store().put(raw)
            subject = parse(raw).subject[:200]
            OutboundMessage.objects.bulk_create(
                OutboundMessage(sha256=sha, mail_from=mail_from, recipient=r, subject=subject, sender=sender)
                for r in external
            )


def deliver_local(raw: bytes, mail_from: str, addresses: list[str], *, sender: Staff | None = None,
                  hops: int = 0, prepared: delivery.Prepared | None = None) -> list[str]:
    """Hand ``raw`` to the académie's addresses: the accounts' mailboxes
    (with their rules) and the services (support teams). Returns the
    addresses nobody answers to. Call inside a transaction (``prepared``:
    ``delivery.prepare(raw)``, when the caller made it before)."""
    addresses = list(dict.fromkeys(a.strip().lower() for a in addresses))
    staff = list(Staff.objects.filter(email__in=addresses, is_active=True))
    if staff:
        receive(raw, mail_from, staff, hops=hops, prepared=prepared)
    missing = []
    for address in sorted(set(addresses) - {s.email for s in staff}):
        service = services.service_for(address)
        if service is None:
            missing.append(address)
        else:
            service.receive(raw, mail_from, address, sender=sender)
    return missing


def receive(raw: bytes, mail_from: str, recipients: list[Staff], *, hops: int = 0,
            prepared: delivery.Prepared | None = None) -> None:
    """Local delivery with the recipients' rules: store a copy (unless the
    account forwards without keeping one), forward, answer an absence. One
    transaction: the SMTP server answers 250 only after it."""
    prepared = prepared or delivery.prepare(raw)
    parsed = prepared.parsed
    mailboxes = delivery.mailboxes_for(recipients)
    plan = rules.plan(raw, parsed, mail_from, recipients, mailboxes, hops)
    mailbox_of = {m.staff_id: m for m in mailboxes}
    with transaction.atomic():
        if plan.keep:
            delivery.deliver(raw, plan.keep, prepared=prepared, mailboxes=[mailbox_of[s.pk] for s in plan.keep])
        for staff, targets in plan.forwards:
            send_message(rules.forwarded(raw, staff), staff.email, targets, sender=staff, hops=hops + 1)
        for staff in plan.vacations:
            mailbox = mailbox_of[staff.pk]
            rules.record_vacation_reply(mailbox, mail_from)
            send_message(rules.vacation_reply(mailbox, staff, parsed, mail_from), "", [mail_from], hops=hops + 1)


def notification(to: list[str] | str, subject: str, body: str, *, academy: Academy | None = None,
                 headers: dict | None = None, auto: str = "auto-generated") -> bytes:
    """A plain-text French message from the portal (no HTML, no tracking).
    ``headers`` adds or replaces headers (Reply-To, References…)."""
    domain = academy.domain if academy else settings.CALANQUE_DOMAIN
    message = EmailMessage()
    message["From"] = formataddr((academy.name if academy else "Messagerie", settings.DEFAULT_FROM_EMAIL))
    message["To"] = ", ".join([to] if isinstance(to, str) else to)
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.localtime())
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = auto
    for name, value in (headers or {}).items():
        del message[name]
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def notify(to: list[str] | str, subject: str, body: str, *, academy: Academy | None = None,
           headers: dict | None = None, auto: str = "auto-generated") -> None:
    """Send a notification from the portal's no-reply address."""
    recipients = [to] if isinstance(to, str) else to
    send_message(notification(recipients, subject, body, academy=academy, headers=headers, auto=auto), "",
                 recipients)
