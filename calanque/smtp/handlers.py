"""aiosmtpd handler for the inbound port.

RCPT is answered from the académie's accounts: an address outside the
académie's domains is not relayed (550 5.7.1) and an unknown or disabled
account is refused before DATA (550 5.1.1), so senders learn at once.

Until the mail store exists (issue "Mail store and SMTP"), DATA is answered
with a temporary failure (451 4.3.2): the sending server keeps the message
and retries, so nothing is acknowledged that could be lost.
"""

from asgiref.sync import sync_to_async
from django.db import connection

from calanque.academy.models import Academy, Staff


def _recipient_status(address: str) -> str:
    # Runs in a worker thread of the event loop: close its connection so
    # that threads never hold database sessions open between messages.
    try:
        return _lookup(address)
    finally:
        connection.close()


def _lookup(address: str) -> str:
    address = address.lower()
    local, _, domain = address.rpartition("@")
    if not local or not Academy.objects.filter(domain=domain).exists():
        return "550 5.7.1 Relais refusé : ce serveur ne reçoit que le courrier de l'académie"
    if not Staff.objects.filter(email=address, is_active=True).exists():
        return "550 5.1.1 Destinataire inconnu"
    return "250 OK"


class InboundHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        status = await sync_to_async(_recipient_status, thread_sensitive=False)(address)
        if status.startswith("250"):
            envelope.rcpt_tos.append(address)
        return status

    async def handle_DATA(self, server, session, envelope):
        return "451 4.3.2 Distribution locale pas encore disponible, réessayez plus tard"
