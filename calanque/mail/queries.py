"""Read paths of the mail domain."""

from dataclasses import dataclass
from datetime import datetime

from calanque.mail import blobs
from calanque.mail.models import OutboundMessage
from calanque.mail.parsing import parse


@dataclass
class QueuedMail:
    to: str
    subject: str
    body: str
    created_at: datetime
    sent: bool


def demo_outbox_messages(limit: int = 30) -> list[QueuedMail]:
    """The last messages for outside addresses, with their text (the demo
    outbox page)."""
    out = []
    for row in OutboundMessage.objects.order_by("-created_at", "-id")[:limit]:
        try:
            body = parse(blobs.store().get(row.sha256)).text
        except OSError:
            body = ""
        out.append(QueuedMail(row.recipient, row.subject, body, row.created_at,
                              row.status == OutboundMessage.Status.SENT))
    return out
