"""How a mail names the request it is about.

Every mail about a request to its requester carries, in ``References``, the
request's thread identifier ``<demande-<pk>.<token>@domain>`` — the token is
an HMAC of the number with the server's secret, so only Calanque can write
it — and a ``Reply-To`` to the team's address. A reply by mail therefore
reaches the team's address and names its request (see ``inbound``).
"""

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from calanque.assistance.models import Ticket

THREAD_ID = re.compile(r"^demande-(\d+)\.([0-9a-f]{20})(?:\.[0-9a-z]+)?@")


def _token(pk: int) -> str:
    return salted_hmac("calanque.assistance.thread", str(pk)).hexdigest()[:20]


def thread_id(ticket: Ticket, *, unique: bool = False) -> str:
    """The Message-ID that names the conversation of ``ticket`` (``unique``:
    the identifier of one message of it, still recognised)."""
    suffix = f".{secrets.token_hex(6)}" if unique else ""
    return f"<demande-{ticket.pk}.{_token(ticket.pk)}{suffix}@{ticket.academy.domain}>"


def mail_headers(ticket: Ticket) -> dict:
    """Headers of a mail about ``ticket`` to its requester."""
    headers = {"Message-ID": thread_id(ticket, unique=True), "References": thread_id(ticket)}
    if ticket.team.email:
        headers["Reply-To"] = ticket.team.email
    return headers


def ticket_named_in(references: list[str]) -> int | None:
    """The number of the request a genuine thread identifier names."""
    for reference in references:
        match = THREAD_ID.match(reference.strip().strip("<>"))
        if match and constant_time_compare(match.group(2), _token(int(match.group(1)))):
            return int(match.group(1))
    return None
