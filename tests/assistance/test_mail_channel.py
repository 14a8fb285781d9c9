"""Requests by e-mail: mail to a support team's address becomes a request,
and a reply by mail joins it (by a reference Calanque wrote, never by the
sender alone). Mail goes in through the real SMTP port."""

import smtplib
import struct
import zlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from calanque.academy.models import Staff, SupportTeam
from calanque.assistance import actions
from calanque.assistance.models import Status, Ticket, TicketFile
from calanque.mail import actions as mail_actions
from calanque.mail import blobs, sending
from calanque.mail.models import Message, OutboundMessage

RECTORAT = "assistance@ac-aix-marseille.fr"


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def mail(subject, body, *, sender="Jeanne Parent <jeanne.parent@example.org>", to=RECTORAT, headers=None,
         attachments=()):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def send(server, raw, *, to=RECTORAT, envelope_from="jeanne.parent@example.org"):
    with smtplib.SMTP(server.hostname, server.port, timeout=20) as client:
        assert client.sendmail(envelope_from, [to], raw) == {}


def outgoing(to):
    """The mails queued for ``to``, as parsed messages (headers included)."""
    return [BytesParser(policy=policy.default).parsebytes(blobs.store().get(row.sha256))
            for row in OutboundMessage.objects.filter(recipient=to).order_by("id")]


def test_mail_to_a_team_address_becomes_a_request_with_its_files(smtp_server):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=20) as client:
        client.ehlo("mx.example.org")
        client.mail("jeanne.parent@example.org")
        assert client.rcpt(RECTORAT)[0] == 250
        assert client.rcpt("assistance.dsden13@ac-aix-marseille.fr")[0] == 250
        client.rset()
    send(smtp_server, mail("Impossible d'ouvrir ma boîte", "Bonjour,\nmon code OTP est refusé depuis ce matin.",
                           attachments=[("capture.png", png(), "image", "png"),
                                        ("rapport.docx", b"PK\x03\x04\x14\x00\x06\x00 docx", "application", "octet-stream")]))
    ticket = Ticket.objects.get()
    assert ticket.team == SupportTeam.objects.get(email=RECTORAT)
    assert ticket.subject == "Impossible d'ouvrir ma boîte" and ticket.status == Status.NEW
    assert ticket.requester is None and ticket.identity_to_check  # From: proves nothing
    assert ticket.contact_email == "jeanne.parent@example.org"
    message = ticket.messages.get()
    assert "mon code OTP est refusé" in message.body and not message.internal
    assert "rapport.docx" in message.body  # refused here, said so, kept in the original
    names = sorted(TicketFile.objects.filter(message=message).values_list("filename", "content_type"))
    assert names == [("capture.png", "image/png"), ("message-d-origine.eml", "message/rfc822")]
    original = TicketFile.objects.get(filename="message-d-origine.eml")
    assert b"rapport.docx" in blobs.store().get(original.sha256)
    assert not Message.objects.filter(content__subject=ticket.subject).exists()  # a request, not a mailbox copy
    [ack] = outgoing("jeanne.parent@example.org")
    assert ticket.reference in ack["Subject"] and ack["Reply-To"] == RECTORAT
    assert ack["Auto-Submitted"] == "auto-replied"
    assert f"demande-{ticket.pk}." in ack["References"]


def test_a_reply_to_the_acknowledgement_joins_the_same_request(smtp_server):
    send(smtp_server, mail("Mot de passe expiré", "Je ne peux plus me connecter."))
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.WAITING)
    [ack] = outgoing("jeanne.parent@example.org")
    reply = mail(f"Re: {ack['Subject']}",
                 "Voici mon identifiant : jparent.\n\nLe 3 mars 2026 à 10:00, Rectorat a écrit :\n> Bonjour,\n> ...",
                 headers={"In-Reply-To": ack["Message-ID"], "References": f"{ack['References']} {ack['Message-ID']}"})
    send(smtp_server, reply)
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # the requester answered: back to the agents
    last = ticket.messages.order_by("-id").first()
    assert last.body.startswith("Voici mon identifiant : jparent.") and "a écrit" not in last.body


def test_the_subject_reference_alone_gives_agents_a_note_never_the_requesters_voice(smtp_server):
    send(smtp_server, mail("Quota dépassé", "Ma boîte est pleine."))
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED)
    # From: is the requester's address, but over SMTP anybody can write it.
    send(smtp_server, mail(f"Re: {ticket.reference}", "Rouvrez, et voici mes codes.",
                           sender="jeanne.parent@example.org"), envelope_from="attaquant@evil.example")
    note = ticket.messages.order_by("-id").first()
    assert note.internal and "non vérifié" in note.body and "Rouvrez" in note.body
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED  # not reopened in the requester's name
    # Somebody else quoting the reference files a new request, and learns nothing of the first.
    send(smtp_server, mail(f"Re: {ticket.reference}", "Je me greffe.", sender="intrus@example.net"),
         envelope_from="intrus@example.net")
    assert Ticket.objects.count() == 2 and ticket.messages.count() == 2


def test_acknowledgements_go_only_to_a_sender_whose_envelope_matches_and_never_repeat_the_subject(smtp_server):
    send(smtp_server, mail("Achetez nos pilules https://spam.example", "Promo", sender="victime@example.com"),
         envelope_from="spammeur@evil.example")
    assert Ticket.objects.count() == 1  # the agents still see it
    assert not OutboundMessage.objects.filter(recipient="victime@example.com").exists()
    send(smtp_server, mail("Achetez nos pilules https://spam.example", "Promo", sender="jeanne.parent@example.org"))
    [ack] = outgoing("jeanne.parent@example.org")
    assert "pilules" not in ack["Subject"] and "pilules" not in ack.get_content()


def test_an_outside_address_that_floods_a_team_is_told_to_retry_later(smtp_server):
    for n in range(5):
        send(smtp_server, mail(f"Demande {n}", "Texte."))
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=20) as client:
        client.ehlo("mx.example.org")
        client.mail("jeanne.parent@example.org")
        code, text = client.rcpt(RECTORAT)
        assert code == 450 and text.startswith(b"4.7.1")
        client.rset()
        client.mail("autre.parent@example.org")
        assert client.rcpt(RECTORAT)[0] == 250
    assert Ticket.objects.count() == 5


def test_the_request_keeps_its_original_when_a_mailbox_copy_is_expunged(smtp_server):
    lea = Staff.objects.get(identifier="lea.garnier")
    raw = mail("Pour Léa et l'assistance", "Un même message pour deux destinataires.",
               to=f"{lea.email}, {RECTORAT}")
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=20) as client:
        assert client.sendmail("jeanne.parent@example.org", [lea.email, RECTORAT], raw) == {}
    copy = Message.objects.get(mailbox__staff=lea)
    mail_actions.do_expunge(copy.mailbox, [copy.pk])
    original = TicketFile.objects.get(filename="message-d-origine.eml")
    assert blobs.store().get(original.sha256).endswith(raw)


def test_at_most_five_files_are_taken_from_a_mail_the_rest_stay_in_the_original(smtp_server):
    send(smtp_server, mail("Captures", "Voici mes captures.",
                           attachments=[(f"capture{n}.png", png(), "image", "png") for n in range(7)]))
    message = Ticket.objects.get().messages.get()
    names = set(TicketFile.objects.filter(message=message).values_list("filename", flat=True))
    assert names == {f"capture{n}.png" for n in range(5)} | {"message-d-origine.eml"}
    assert "capture5.png" in message.body and "capture6.png" in message.body


def test_a_forged_thread_reference_does_not_join_a_request(smtp_server):
    send(smtp_server, mail("Annuaire incomplet", "Mon collège n'apparaît pas."))
    ticket = Ticket.objects.get()
    forged = f"<demande-{ticket.pk}.{'0' * 20}@ac-aix-marseille.fr>"
    send(smtp_server, mail("Re: ma demande", "Ajout.", sender="intrus@example.net",
                           headers={"In-Reply-To": forged, "References": forged}), envelope_from="intrus@example.net")
    assert ticket.messages.count() == 1 and Ticket.objects.count() == 2


def test_automatic_mail_never_creates_a_request_but_is_kept_on_the_one_it_cites(smtp_server):
    send(smtp_server, mail("Je suis absente", "Absente jusqu'au 12.", headers={"Auto-Submitted": "auto-replied"}))
    assert not Ticket.objects.exists()  # no loop with our own acknowledgements
    send(smtp_server, mail("Demande de matériel", "Il me faut un poste."))
    ticket = Ticket.objects.get()
    [ack] = outgoing("jeanne.parent@example.org")
    send(smtp_server, mail("Absence", "Je suis absente jusqu'au 12.",
                           headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack["Message-ID"]}))
    note = ticket.messages.order_by("-id").first()
    assert note.internal and "absente jusqu'au 12" in note.body
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_mail_from_the_webmail_files_a_request_for_the_signed_in_account(mail_world):
    lea = Staff.objects.get(identifier="lea.garnier")
    raw = mail("Imprimante de l'école", "L'imprimante ne répond plus.", sender=f"Léa Garnier <{lea.email}>",
               to="assistance.dsden13@ac-aix-marseille.fr")
    sending.send_message(raw, lea.email, ["assistance.dsden13@ac-aix-marseille.fr"], sender=lea)
    ticket = Ticket.objects.get()
    assert ticket.requester == lea and not ticket.identity_to_check
    assert ticket.team.email == "assistance.dsden13@ac-aix-marseille.fr"
    assert "DSDEN" in ticket.routing_reason or "DSDEN" in ticket.team.name
    # The acknowledgement lands in her own INBOX (a local address).
    assert Message.objects.filter(mailbox__staff=lea, content__subject__contains=ticket.reference).exists()


def test_the_requester_answers_an_agent_reply_by_mail(smtp_server):
    send(smtp_server, mail("Boîte pleine", "Je ne reçois plus rien."))
    ticket = Ticket.objects.get()
    agent = Staff.objects.get(identifier="karim.fontaine")
    actions.do_agent_reply(agent, ticket, "Pouvez-vous vider votre corbeille ?", [], internal=False,
                           base_url="http://testserver/")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    answer = outgoing("jeanne.parent@example.org")[-1]
    assert "Pouvez-vous vider votre corbeille" in answer.get_content()
    assert answer["Reply-To"] == RECTORAT and f"demande-{ticket.pk}." in answer["References"]
    send(smtp_server, mail(f"Re: {answer['Subject']}", "C'est fait, merci.\n\n-----Message d'origine-----\nDe : x",
                           headers={"In-Reply-To": answer["Message-ID"], "References": answer["References"]}))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and Ticket.objects.count() == 1
    assert ticket.messages.order_by("-id").first().body == "C'est fait, merci."
