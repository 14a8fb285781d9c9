"""Addresses of the académie's domain that are not mailboxes.

A support team's address (``assistance@…``) receives mail like a person's,
but what arrives there becomes a request, not a copy in an INBOX. Such
services register here (from their app's ``ready``), so the mail domain knows
nothing of them: ``delivery.recipient_status`` accepts their addresses at
``RCPT``, and ``sending.deliver_local`` hands them the message in the same
transaction as the other local copies.
"""

from typing import Protocol

from calanque.academy.models import Staff


class LocalService(Protocol):
    def accepts(self, address: str) -> bool:
        """Whether ``address`` (lower case) is one of this service's."""

    def rcpt_status(self, address: str, mail_from: str) -> str:
        """The answer to ``RCPT TO`` for this address ("250 OK" to accept)."""

    def receive(self, raw: bytes, mail_from: str, address: str, *, sender: Staff | None) -> None:
        """Take the message (inside the caller's transaction). ``sender`` is
        the signed-in account when the message comes from the webmail, None
        when it comes from outside (its From: proves nothing)."""


_services: list[LocalService] = []


def register(service: LocalService) -> None:
    if service not in _services:
        _services.append(service)


def service_for(address: str) -> LocalService | None:
    address = address.strip().lower()
    return next((s for s in _services if s.accepts(address)), None)
