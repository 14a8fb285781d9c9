"""Regression of the webmail's security review, finding 5: "mail from the
académie" (remote images shown when the user chose so) and trusted senders
are decided from how the message arrived, never from its From: header — an
outside sender over SMTP may write any From:."""

import html
import smtplib
from email import policy
from email.message import EmailMessage

from calanque.mail import sending
from calanque.mail.models import Message

LEA = "lea.garnier@ac-aix-marseille.fr"
TRACKER = "https://tracker.evil.example/p.gif?u=lea"


def forged(subject, sender="Le recteur <recteur@ac-aix-marseille.fr>") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = LEA
    msg["Subject"] = subject
    msg.set_content("x")
    msg.add_alternative(f'<p>Bonjour</p><img src="{TRACKER}">', subtype="html")
    return msg.as_bytes(policy=policy.SMTP)


def lea_message(subject):
    return Message.objects.get(mailbox__staff__identifier="lea.garnier", content__subject=subject)


def test_outside_mail_with_an_academie_from_loads_no_remote_image_and_shows_the_outside_banner(
        smtp_server, signed_in):
    lea = signed_in("teacher_13")
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "50",
                                                 "remote_images": "academie"})
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=20) as c:
        assert c.sendmail("x@evil.example", [LEA], forged("Pixel")) == {}
    # The same bytes written inside the portal (no SMTP) are the académie's own mail.
    sending.send_message(forged("Interne", "Hugo <hugo.bernard@ac-aix-marseille.fr>"),
                         "hugo.bernard@ac-aix-marseille.fr", [LEA])
    outside, inside = lea_message("Pixel"), lea_message("Interne")

    assert TRACKER not in lea.get(f"/messagerie/message/{outside.pk}/corps/").content.decode()
    page = html.unescape(lea.get(f"/messagerie/message/{outside.pk}/").content.decode())
    assert "Ce message provient de l'extérieur de l'académie" in page
    assert "Toujours pour recteur@ac-aix-marseille.fr" not in page
    assert TRACKER in lea.get(f"/messagerie/message/{inside.pk}/corps/").content.decode()
    assert "Ce message provient de l'extérieur" not in html.unescape(
        lea.get(f"/messagerie/message/{inside.pk}/").content.decode())

    # A trusted sender's address in From: does not open the door either.
    lea.post(f"/messagerie/message/{outside.pk}/images-toujours/")
    assert TRACKER not in lea.get(f"/messagerie/message/{outside.pk}/corps/").content.decode()
    # « Afficher les images » for this message still works.
    assert TRACKER in lea.get(f"/messagerie/message/{outside.pk}/corps/?images=1").content.decode()


def test_the_outside_stamp_is_found_under_a_forward_and_only_in_the_headers():
    from types import SimpleNamespace

    from calanque.mail import delivery, rules

    came_in = delivery.received_header("evil.example", "203.0.113.9", 1, "mx.ac-aix-marseille.fr") + forged("x")
    assert delivery.arrived_from_outside(came_in)
    assert delivery.arrived_from_outside(rules.forwarded(came_in, SimpleNamespace(email=LEA)))
    assert not delivery.arrived_from_outside(forged("x"))
    quoted = forged("x") + b"\r\nReceived: from a\r\n\tby mx.example (Calanque) with ESMTP; now\r\n"
    assert not delivery.arrived_from_outside(quoted)
