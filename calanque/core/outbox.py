"""Mail that leaves the portal (recovery links, notices): a durable queue.

``queue_email`` writes rows inside the caller's transaction, so a message
exists if and only if the change that caused it was committed. ``deliver``
(run by `calanque worker`) claims due rows in a short transaction, sends them
through Django's e-mail backend (the relay, or the local outbox directory)
outside any transaction, then records the result; failures are retried with
a growing delay, and abandoned after ``MAX_ATTEMPTS``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from calanque.core.models import OutgoingEmail

log = logging.getLogger("calanque.outbox")
MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)


def queue_email(to: list[str] | str, subject: str, body: str) -> None:
    for address in [to] if isinstance(to, str) else to:
        OutgoingEmail.objects.create(to=address, subject=subject[:200], body=body)


def _claim(limit: int) -> list[OutgoingEmail]:
    now = timezone.now()
    with transaction.atomic():
        due = OutgoingEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now).exclude(
            claimed_until__gt=now
        ).order_by("send_after", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        OutgoingEmail.objects.filter(pk__in=[r.pk for r in rows]).update(claimed_until=now + CLAIM_FOR)
    return rows


def deliver(limit: int = 100) -> int:
    """Send the due messages; return how many were sent."""
    sent = 0
    for row in _claim(limit):
        try:
            EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to]).send()
        except Exception as exc:  # noqa: BLE001 - any relay failure is retried
            row.attempts += 1
            row.last_error = str(exc)[:300]
            row.claimed_until = None
            fields = ["attempts", "last_error", "claimed_until"]
            if row.attempts >= MAX_ATTEMPTS:
                row.failed_at = timezone.now()
                fields.append("failed_at")
            else:
                row.send_after = timezone.now() + timedelta(minutes=2 ** row.attempts)
                fields.append("send_after")
            row.save(update_fields=fields)
            log.warning("envoi à %s échoué (tentative %d) : %s", row.to, row.attempts, exc)
            continue
        row.sent_at, row.claimed_until = timezone.now(), None
        row.attempts += 1
        row.save(update_fields=["sent_at", "claimed_until", "attempts"])
        sent += 1
    return sent


def recent(limit: int = 30) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.order_by("-created_at", "-id")[:limit])
