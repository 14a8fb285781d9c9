"""aiosmtpd handler for the inbound port: a thin adapter over mail.delivery.

RCPT is answered from the accounts (unknown, disabled, over quota, not ours)
before DATA. DATA hands the bytes, with a Received header in front, to
``sending.deliver_local`` (mailboxes with their forward and absence rules,
support teams' addresses), which returns after the commit: only then is 250 sent. Any
storage failure answers 451, so the sender keeps the message and retries.
"""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, transaction

from calanque.mail import blobs, delivery, sending

log = logging.getLogger("calanque.smtpd")


def _in_thread(function, *args):
    # Runs in a worker thread of the event loop: drop a connection the server
    # closed, and never keep one open across messages in the test suite.
    close_old_connections()
    try:
        return function(*args)
    finally:
        if settings.CALANQUE_SMTP_CLOSE_CONNECTIONS:
            connection.close()


def _receive(raw: bytes, mail_from: str, addresses: list[str]) -> None:
    # Parsing, stemming and the blob (written and fsynced) before the
    # transaction: SQLite's write lock, taken at BEGIN, then covers the
    # writes alone and the other connections wait less for it.
    prepared = delivery.prepare(raw)
    blobs.store().put(raw)
    with transaction.atomic():
        sending.deliver_local(raw, mail_from, addresses, prepared=prepared)


class InboundHandler:
    def __init__(self, hostname: str | None = None):
        self.hostname = hostname or f"mx.{settings.CALANQUE_DOMAIN}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The five-argument hook replaces aiosmtpd's list of extensions.
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        status = await sync_to_async(_in_thread, thread_sensitive=False)(
            delivery.recipient_status, address, "" if envelope.mail_from in (None, "<>") else envelope.mail_from)
        if status.startswith("250"):
            envelope.rcpt_tos.append(address)
        return status

    async def handle_DATA(self, server, session, envelope):
        peer = session.peer[0] if session.peer else "inconnu"
        raw = delivery.received_header(session.host_name, peer, len(envelope.rcpt_tos), self.hostname)
        raw += envelope.original_content or envelope.content
        try:
            await sync_to_async(_in_thread, thread_sensitive=False)(
                _receive, raw, "" if envelope.mail_from in (None, "<>") else envelope.mail_from, envelope.rcpt_tos)
        except Exception:
            log.exception("distribution impossible")
            return "451 4.3.0 Erreur temporaire de stockage, réessayez plus tard"
        return "250 2.0.0 Message reçu"
