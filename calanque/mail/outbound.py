"""The outbound queue: mail for addresses outside the académie, relayed by
`calanque worker`.

Rows are claimed in a short transaction (``SKIP LOCKED`` on PostgreSQL, the
write lock on SQLite), sent outside any transaction, then marked. A
temporary failure (4xx, connection trouble) is retried with a growing delay
for 4 days; a permanent one (5xx), or the end of the 4 days, puts a
non-delivery report in the sender's INBOX. Without a relay
(``CALANQUE_SMTP_RELAY`` unset: the demo), messages are written to
``CALANQUE_HOME/outbox/`` and shown on the demo outbox page.
"""

import logging
import smtplib
from datetime import timedelta
from pathlib import Path

import dkim
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from calanque.academy.models import Academy
from calanque.mail import blobs, bounces
from calanque.mail.models import OutboundMessage
from calanque.mail.parsing import parse

log = logging.getLogger("calanque.outbound")
GIVE_UP_AFTER = timedelta(days=4)
CLAIM_FOR = timedelta(minutes=10)


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


class SmtpRelay:
    """The académie's relay (smarthost), from CALANQUE_SMTP_RELAY."""

    def send(self, mail_from: str, recipient: str, raw: bytes) -> None:
        try:
            smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
            with smtp_class(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=60) as client:
                client.ehlo()
                if settings.CALANQUE_SMTP_RELAY_STARTTLS:
                    client.starttls()
                    client.ehlo()
                if settings.EMAIL_HOST_USER:
                    client.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
                client.sendmail(mail_from, [recipient], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            failure = PermanentFailure if code >= 500 else TemporaryFailure
            raise failure(f"{code} {text.decode(errors='replace')}") from exc
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            failure = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
            raise failure(f"{exc.smtp_code} {text}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"relais injoignable : {exc}") from exc


class DemoOutbox:
    """No relay configured: keep the message as a file, shown by the demo."""

    def send(self, mail_from: str, recipient: str, raw: bytes) -> None:
        directory = Path(settings.CALANQUE_HOME) / "outbox"
        directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
        (directory / f"{stamp}-{recipient.replace('/', '_')}.eml").write_bytes(raw)


def dkim_signed(raw: bytes) -> bytes:
    """Prepend a DKIM-Signature (rsa-sha256, relaxed/relaxed) when a key is
    configured (CALANQUE_DKIM_KEY_FILE, CALANQUE_DKIM_SELECTOR), for the
    domain of the From address when it is one of ours."""
    if not settings.CALANQUE_DKIM_KEY_FILE:
        return raw
    from_domain = parse(raw).from_address.rpartition("@")[2]
    if not Academy.objects.filter(domain=from_domain).exists():
        return raw
    key = Path(settings.CALANQUE_DKIM_KEY_FILE).read_bytes()
    signature = dkim.sign(raw, settings.CALANQUE_DKIM_SELECTOR.encode(), from_domain.encode(), key,
                          canonicalize=(b"relaxed", b"relaxed"),
                          include_headers=[b"from", b"to", b"cc", b"subject", b"date", b"message-id",
                                           b"in-reply-to", b"references", b"mime-version", b"content-type"])
    return signature + raw


def transport():
    return SmtpRelay() if settings.EMAIL_HOST else DemoOutbox()


def _claim(limit: int) -> list[OutboundMessage]:
    now = timezone.now()
    with transaction.atomic():
        due = (OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=now)
               .exclude(claimed_until__gt=now).order_by("next_attempt_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).update(claimed_until=now + CLAIM_FOR)
    return rows


def relay_due(limit: int = 100) -> int:
    """Send what is due; return how many were sent. Several workers may run
    this at once: a row is claimed by one of them only."""
    sent = 0
    via = transport()
    rows = _claim(limit)
    for index, row in enumerate(rows):
        try:
            sent += _relay(via, row)
        except DatabaseError:
            # The database failed mid-batch: the rows not tried yet go back to
            # the queue now rather than after CLAIM_FOR (the row in flight
            # keeps its claim: it may have left already).
            try:
                OutboundMessage.objects.filter(pk__in=[r.pk for r in rows[index + 1:]]).update(claimed_until=None)
            except DatabaseError:
                log.warning("file sortante : réservations laissées jusqu'à leur échéance")
            raise
    return sent


def _relay(via, row: OutboundMessage) -> int:
    """Send one claimed row and record the outcome; 1 if it left."""
    row.attempts += 1
    try:
        via.send(row.mail_from, row.recipient, dkim_signed(blobs.store().get(row.sha256)))
    except (TemporaryFailure, PermanentFailure) as exc:
        row.last_error = str(exc)[:300]
        final = isinstance(exc, PermanentFailure) or timezone.now() - row.created_at > GIVE_UP_AFTER
        with transaction.atomic():
            if final:
                row.status = OutboundMessage.Status.FAILED
                if row.sender_id and row.mail_from:
                    bounces.bounce(blobs.store().get(row.sha256), row.sender, {row.recipient: row.last_error})
            else:
                row.next_attempt_at = timezone.now() + min(timedelta(minutes=2 ** row.attempts),
                                                           timedelta(hours=2))
            row.claimed_until = None
            row.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "claimed_until"])
        log.warning("envoi à %s : %s (%s)", row.recipient, row.last_error, "abandon" if final else "réessai")
        return 0
    row.status, row.sent_at, row.claimed_until = OutboundMessage.Status.SENT, timezone.now(), None
    row.save(update_fields=["status", "sent_at", "claimed_until", "attempts"])
    return 1


def recent(limit: int = 30) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.order_by("-created_at", "-id")[:limit])
