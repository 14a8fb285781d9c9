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
« identité à vérifier », as on the sign-in page, and an answer that names
its request only by the subject is kept as an internal note marked « expéditeur
non vérifié » (it does not speak for the requester). Mail sent from the
webmail comes from a signed-in account, which becomes the requester. An outside
address that files too many requests in an hour is told to retry later at
``RCPT``; acknowledgements go only to a sender whose envelope and From: agree.

Automatic mail (bounces, absence replies, robots, lists: RFC 3834) never
creates a request — that would loop with our own notifications — but when it
refers to a request it is kept there as an internal note.
"""

import logging
import re
from datetime import timedelta

from calanque.academy.models import Staff, SupportTeam
from calanque.assistance import actions, files, references
from calanque.assistance.hours import now
from calanque.assistance.models import Category, Ticket
from calanque.mail import rules, sending
from calanque.mail.parsing import Parsed, html_to_text, parse, part_bytes

log = logging.getLogger("calanque.assistance")

ORIGINAL_MARK = b"X-Calanque-Copie: demande d'assistance\r\n"
# New requests by mail from one outside address in an hour, beyond which
# RCPT is answered « try later » (the sender's server keeps the message).
MAX_NEW_PER_HOUR = 5
REFERENCE_IN_SUBJECT = re.compile(r"\bDEM-(\d{6,})\b")
# Where the new text of a reply ends and the quoted conversation begins.
QUOTE_START = re.compile(
    r"^(?:Le .{4,200}a écrit\s*:|On .{4,200}wrote:|-{2,}\s*(?:Message d'origine|Original Message|Message transféré)"
    r"\s*-{2,}|_{10,}|De\s*:\s.+|From:\s.+)\s*$", re.IGNORECASE | re.MULTILINE)


def _ticket_from_headers(parsed: Parsed, team: SupportTeam) -> Ticket | None:
    pk = references.ticket_named_in([parsed.in_reply_to, *parsed.references])
    return Ticket.objects.filter(pk=pk, academy=team.academy).select_related(
        "requester", "team").first() if pk else None


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
    """The attachments a request accepts (as many as the web form takes),
    and a line for each one it leaves in the original message."""
    accepted, refused = [], []
    for attachment in parsed.attachments:
        data = part_bytes(raw, attachment.part)
        if data is None:
            continue
        if len(accepted) == files.MAX_FILES:
            refused.append(f"« {attachment.filename} » : {files.MAX_FILES} fichiers au plus par message.")
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
    # The request keeps its own copy of the original: a header line in front
    # makes it a blob of its own, which no mailbox clean-up can remove.
    accepted.append(files.CheckedFile("message-d-origine.eml", "message/rfc822", ORIGINAL_MARK + raw))
    return text or "(message sans texte)", accepted


class TeamAddresses:
    """The local service that turns mail to a team's address into requests."""

    def accepts(self, address: str) -> bool:
        return SupportTeam.objects.filter(email__iexact=address).exists()

    def rcpt_status(self, address: str, mail_from: str) -> str:
        """Refuse for an hour (temporarily) an outside sender who already
        filed ``MAX_NEW_PER_HOUR`` requests: a flood costs the agents and
        would make our acknowledgements a spam relay."""
        if mail_from:
            recent = Ticket.objects.filter(technical_context__enveloppe=mail_from.lower(),
                                           created_at__gte=now() - timedelta(hours=1)).count()
            if recent >= MAX_NEW_PER_HOUR:
                return "450 4.7.1 Trop de demandes envoyées depuis cette adresse : réessayez dans une heure"
        return "250 OK"

    def receive(self, raw: bytes, mail_from: str, address: str, *, sender: Staff | None) -> None:
        team = SupportTeam.objects.select_related("academy").filter(email__iexact=address).first()
        if team is None:
            return
        parsed = parse(raw)
        automatic = rules.is_automatic(parsed, mail_from)
        by_secret = _ticket_from_headers(parsed, team)
        ticket = by_secret or _ticket_from_subject(parsed, team)
        if ticket is not None:
            body, attached = _body(raw, parsed, reply=True)
            if automatic:
                actions.do_add_mail_note(ticket, f"Message automatique reçu ({parsed.subject}) :\n\n{body}", attached)
            elif (sender is not None and sender == ticket.requester) or (sender is None and by_secret is not None):
                # The signed-in requester, or a mail answering one that only
                # the requester received: their answer (it reopens).
                actions.do_requester_reply(ticket.requester, ticket, body, attached)
            else:
                # Only the subject names the request, and the From: of outside
                # mail proves nothing: the agents see it, marked as such.
                who = sender.email if sender is not None else f"{parsed.from_address} (expéditeur non vérifié)"
                actions.do_add_mail_note(ticket, f"Message reçu par courriel de {who}, qui cite cette demande :\n\n{body}", attached)
            return
        if automatic:
            log.info("message automatique pour %s ignoré (aucune demande citée) : %s", address, parsed.subject)
            return
        body, attached = _body(raw, parsed, reply=False)
        ticket = actions.do_file_ticket_by_mail(
            team, requester=sender, contact_email=parsed.from_address if sender is None else "", mail_from=mail_from,
            subject=(parsed.subject or "(sans objet)")[:200], body=body, files=attached,
            category=Category.OTHER)
        # Acknowledge to the signed-in sender, or to an outside sender whose
        # envelope and From: agree — and never repeat their subject, so that
        # a forged From: cannot turn the académie's address into a relay.
        if sender is not None:
            to = sender.email
        elif mail_from and mail_from.lower() == parsed.from_address.lower():
            to = parsed.from_address
        else:
            return
        sending.notify(to, f"Votre demande {ticket.reference} est enregistrée",
                       f"Bonjour,\n\nVotre message à {team.name} est enregistré comme demande d'assistance "
                       f"sous la référence {ticket.reference}.\n"
                       "Pour compléter votre demande, répondez simplement à ce message.\n"
                       "Nous ne vous demanderons jamais votre mot de passe ni votre code.\n",
                       academy=team.academy, headers=references.mail_headers(ticket), auto="auto-replied")
