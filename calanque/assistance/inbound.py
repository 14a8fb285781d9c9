"""Requests by e-mail.

Each support team has an address on the académie's domain (``assistance@…``
for the Rectorat, ``assistance.dsden13@…``…). Mail sent there — from the
webmail or from outside over SMTP — becomes a request of that team, with its
attachments; the original message is kept with the request, so nothing the
sender wrote is lost.

A reply by mail joins the request it answers, found by a reference that
only Calanque can have written (``references``: the thread identifier in
``References``/``In-Reply-To``), or when the subject carries
« DEM-000123 » *and* the mail comes from the request's own requester. The
sender's address alone never attaches a message to a request.

Mail from outside proves nothing about its sender: such a request is marked
« identité à vérifier », as on the sign-in page. Mail sent from the webmail
comes from a signed-in account, which becomes the requester.

Automatic mail (bounces, absence replies, robots, lists: RFC 3834) never
creates a request — that would loop with our own notifications — but when it
refers to a request it is kept there as an internal note.
"""

import logging
import re

from calanque.academy.models import Staff, SupportTeam
from calanque.assistance import actions, files, references
from calanque.assistance.models import Category, Ticket
from calanque.mail import rules, sending
from calanque.mail.parsing import Parsed, html_to_text, parse, part_bytes

log = logging.getLogger("calanque.assistance")

REFERENCE_IN_SUBJECT = re.compile(r"\bDEM-(\d{6,})\b")
# Where the new text of a reply ends and the quoted conversation begins.
QUOTE_START = re.compile(
    r"^(?:Le .{4,200}a écrit\s*:|On .{4,200}wrote:|-{2,}\s*(?:Message d'origine|Original Message|Message transféré)"
    r"\s*-{2,}|_{10,}|De\s*:\s.+|From:\s.+)\s*$", re.IGNORECASE | re.MULTILINE)


def _ticket_from_headers(parsed: Parsed) -> Ticket | None:
    pk = references.ticket_named_in([parsed.in_reply_to, *parsed.references])
    return Ticket.objects.filter(pk=pk).select_related("requester", "team").first() if pk else None


def _ticket_from_subject(parsed: Parsed, team: SupportTeam) -> Ticket | None:
    match = REFERENCE_IN_SUBJECT.search(parsed.subject)
    if not match:
        return None
    ticket = Ticket.objects.filter(pk=int(match.group(1)), academy=team.academy).select_related(
        "requester", "team").first()
    if ticket is None:
        return None
    requester_address = (ticket.requester.email if ticket.requester else ticket.contact_email).lower()
    return ticket if requester_address and requester_address == parsed.from_address.lower() else None


def new_text(text: str) -> str:
    """The part of a reply above the quoted conversation."""
    match = QUOTE_START.search(text)
    kept = text[:match.start()] if match else text
    kept = "\n".join(line for line in kept.splitlines() if not line.startswith(">")).strip()
    return kept or text.strip()


def _files(raw: bytes, parsed: Parsed) -> tuple[list[files.CheckedFile], list[str]]:
    """The attachments a request accepts, and a line for each one it
    refuses (those stay in the original message, kept alongside)."""
    accepted, refused = [], []
    for attachment in parsed.attachments:
        data = part_bytes(raw, attachment.part)
        if data is None:
            continue
        try:
            accepted.append(files.check(attachment.filename, data))
        except files.FileRefused as reason:
            refused.append(str(reason))
    return accepted, refused


def _body(raw: bytes, parsed: Parsed, *, reply: bool) -> tuple[str, list[files.CheckedFile]]:
    text = (parsed.text or html_to_text(parsed.html)).replace("\r\n", "\n")
    text = new_text(text) if reply else text.strip()
    accepted, refused = _files(raw, parsed)
    if refused:
        text += "\n\n" + "\n".join(f"Pièce jointe non reprise ici (voir le message d'origine) : {r}" for r in refused)
    accepted.append(files.CheckedFile("message-d-origine.eml", "message/rfc822", raw))
    return text or "(message sans texte)", accepted


def _file(team: SupportTeam, *, requester: Staff | None, contact_email: str, subject: str, body: str,
          files: list[files.CheckedFile], category: str) -> Ticket:
    """A new request of ``team`` from a mail (inside the delivery's transaction)."""
    trusted = requester is not None
    ticket = actions.new_ticket(
        academy=team.academy, requester=requester, contact_email=contact_email,
        claimed_identifier="" if trusted else contact_email[:254], identity_to_check=not trusted, team=team,
        routing_reason=f"Votre demande est transmise à {team.name}, à qui vous l'avez adressée par courriel.",
        category=category, subject=subject)
    actions._add_message(ticket, requester, body, files)
    actions._event(ticket, requester, f"Demande reçue par courriel à {team.email}"
                                      + ("" if trusted else f" de {contact_email} (identité à vérifier)"))
    actions._notify_team(ticket, "")
    return ticket


def _note(ticket: Ticket, body: str, files: list[files.CheckedFile]) -> None:
    actions._add_message(ticket, None, body, files, internal=True)
    actions._event(ticket, None, "Message automatique joint en note interne")


class TeamAddresses:
    """The local service that turns mail to a team's address into requests."""

    def accepts(self, address: str) -> bool:
        return SupportTeam.objects.filter(email__iexact=address).exists()

    def receive(self, raw: bytes, mail_from: str, address: str, *, sender: Staff | None) -> None:
        team = SupportTeam.objects.select_related("academy").filter(email__iexact=address).first()
        if team is None:
            return
        parsed = parse(raw)
        automatic = rules.is_automatic(parsed, mail_from)
        ticket = _ticket_from_headers(parsed) or _ticket_from_subject(parsed, team)
        if ticket is not None:
            body, attached = _body(raw, parsed, reply=True)
            if automatic:
                _note(ticket, f"Message automatique reçu ({parsed.subject}) :\n\n{body}", attached)
            else:
                author = sender if sender is not None and sender == ticket.requester else ticket.requester
                actions.do_requester_reply(author, ticket, body, attached)
            return
        if automatic:
            log.info("message automatique pour %s ignoré (aucune demande citée) : %s", address, parsed.subject)
            return
        body, attached = _body(raw, parsed, reply=False)
        ticket = _file(
            team, requester=sender, contact_email=parsed.from_address if sender is None else "",
            subject=(parsed.subject or "(sans objet)")[:200], body=body, files=attached,
            category=Category.OTHER)
        to = sender.email if sender is not None else parsed.from_address
        if to:
            sending.notify(to, f"Votre demande {ticket.reference} est enregistrée : {ticket.subject}"[:200],
                           f"Bonjour,\n\nVotre message à {team.name} est enregistré comme demande d'assistance "
                           f"sous la référence {ticket.reference}.\n"
                           "Pour compléter votre demande, répondez simplement à ce message.\n"
                           "Nous ne vous demanderons jamais votre mot de passe ni votre code.\n",
                           academy=team.academy, headers=references.mail_headers(ticket), auto="auto-replied")
