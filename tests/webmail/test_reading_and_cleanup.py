"""Forward as attachment, attached messages opened as messages, image
previews, remote images always shown for a trusted sender, and the clean-up
assistant (largest messages, folders by size, attachments removed, bins
emptied)."""

import base64
import html
import re

import pytest

from calanque.mail import blobs, sending
from calanque.mail.models import Folder, Mailbox, Message
from calanque.mail.parsing import parse

pytestmark = pytest.mark.django_db

HUGO = "hugo.bernard@ac-aix-marseille.fr"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
BIG = b"A" * 300_000

HTML_WITH_TRACKER = (b"From: Lettre <lettre@example.org>\r\nTo: lea.garnier@ac-aix-marseille.fr\r\n"
                     b"Subject: Lettre du musee\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                     b"<p>Bonjour<img src=\"https://pixel.example.org/t.png\"></p>\r\n")


def with_attachments(subject: str) -> bytes:
    return (f"From: Jean <jean@example.com>\r\nTo: lea.garnier@ac-aix-marseille.fr\r\nSubject: {subject}\r\n"
            "Message-ID: <pj@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
            "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoici les photos de la sortie.\r\n"
            "--B\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"photo.png\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PNG).decode() +
            "--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"gros.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(BIG).decode() + "--B--\r\n").encode()


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def lea(signed_in, persona):
    client = signed_in("teacher_13")
    client.post("/messagerie/reglages/affichage/", {"undo_seconds": "0", "per_page": "50", "remote_images": "demander",
                                                    "mark_read_on_open": "on"})
    sending.receive(with_attachments("Photos de la sortie"), "jean@example.com", [persona("teacher_13")])
    return client


def lea_message(subject):
    return Message.objects.select_related("content").get(mailbox__staff__identifier="lea.garnier",
                                                         content__subject=subject)


def test_forward_as_attachment_sends_the_original_as_message_rfc822_and_it_opens(lea, signed_in):
    original = lea_message("Photos de la sortie")
    page = text(lea.get(f"/messagerie/ecrire/?transferer_pj={original.pk}"))
    assert "Message joint : « Photos de la sortie » (.eml)" in page and 'value="Tr: Photos de la sortie"' in page
    lea.post(f"/messagerie/ecrire/?transferer_pj={original.pk}", {"to": HUGO, "subject": "Tr: Photos de la sortie",
                                                                  "body": "Pour info"})
    assert Message.objects.get(pk=original.pk).forwarded
    received = Message.objects.select_related("content").get(mailbox__staff__identifier="hugo.bernard")
    raw = blobs.store().get(received.content.sha256)
    assert b"Content-Type: message/rfc822" in raw and b"Voici les photos de la sortie." in raw
    attached = next(a for a in parse(raw).attachments if a.content_type == "message/rfc822")
    hugo = signed_in("secondary_teacher")
    reading = text(hugo.get(f"/messagerie/message/{received.pk}/"))
    assert f"/messagerie/message/{received.pk}/piece/{attached.part}/lire/" in reading
    opened = text(hugo.get(f"/messagerie/message/{received.pk}/piece/{attached.part}/lire/"))
    assert "Photos de la sortie" in opened and "Voici les photos de la sortie." in opened
    assert "Message joint" in opened and "jean@example.com" in opened
    assert lea.get(f"/messagerie/message/{received.pk}/piece/{attached.part}/lire/").status_code == 404


def test_an_html_attached_message_is_served_sanitised_with_its_own_policy(lea, persona, signed_in):
    inner = (b"From: x@example.org\r\nSubject: Piege\r\nContent-Type: text/html\r\n\r\n"
             b"<p>Texte<script>alert(1)</script><img src=\"https://pixel.example.org/x.png\"></p>\r\n")
    raw = (b"From: jean@example.com\r\nTo: lea.garnier@ac-aix-marseille.fr\r\nSubject: Enveloppe\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
           b"voir\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--B--\r\n")
    sending.receive(raw, "jean@example.com", [persona("teacher_13")])
    envelope = lea_message("Enveloppe")
    body = lea.get(f"/messagerie/message/{envelope.pk}/piece/2/lire/corps/")
    assert body["Content-Security-Policy"].startswith("default-src 'none'")
    content = body.content.decode()
    assert "Texte" in content and "<script" not in content and "pixel.example.org" not in content
    assert lea.get(f"/messagerie/message/{envelope.pk}/piece/1/lire/").status_code == 404  # not a message


def test_images_are_previewed_inline_with_safe_headers_and_other_files_never(lea):
    message = lea_message("Photos de la sortie")
    page = text(lea.get(f"/messagerie/message/{message.pk}/"))
    assert f'<img src="/messagerie/message/{message.pk}/piece/2/?apercu=1" alt="Aperçu de photo.png"' in page
    preview = lea.get(f"/messagerie/message/{message.pk}/piece/2/?apercu=1")
    assert preview["Content-Type"] == "image/png" and preview.content == PNG
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert preview["Content-Disposition"].startswith("inline")
    other = lea.get(f"/messagerie/message/{message.pk}/piece/3/?apercu=1")
    assert other["Content-Type"] == "application/octet-stream" and other["Content-Disposition"].startswith("attachment")


def test_remote_images_always_for_a_trusted_sender(lea, persona, signed_in):
    sending.receive(HTML_WITH_TRACKER, "lettre@example.org", [persona("teacher_13")])
    message = lea_message("Lettre du musee")
    assert "pixel.example.org" not in lea.get(f"/messagerie/message/{message.pk}/corps/").content.decode()
    page = text(lea.get(f"/messagerie/message/{message.pk}/"))
    assert "Toujours pour lettre@example.org" in page
    lea.post(f"/messagerie/message/{message.pk}/images-toujours/")
    assert "https://pixel.example.org/t.png" in lea.get(f"/messagerie/message/{message.pk}/corps/").content.decode()
    assert "est dans vos expéditeurs de confiance" in text(lea.get(f"/messagerie/message/{message.pk}/"))
    # Only for this user: someone else receiving the same letter still has it blocked.
    sending.receive(HTML_WITH_TRACKER, "lettre@example.org", [persona("secondary_teacher")])
    hugo = signed_in("secondary_teacher")
    theirs = Message.objects.get(mailbox__staff__identifier="hugo.bernard", content__subject="Lettre du musee")
    assert "pixel.example.org" not in hugo.get(f"/messagerie/message/{theirs.pk}/corps/").content.decode()
    settings_page = text(lea.get("/messagerie/reglages/affichage/"))
    assert "lettre@example.org" in settings_page
    lea.post("/messagerie/reglages/expediteurs/retirer/", {"adresse": "lettre@example.org"})
    assert "pixel.example.org" not in lea.get(f"/messagerie/message/{message.pk}/corps/").content.decode()


def test_the_cleanup_assistant_lists_the_biggest_and_is_linked_from_the_quota_warning(lea, persona):
    lea_staff = persona("teacher_13")
    inbox = Folder.objects.get(mailbox__staff=lea_staff, special="inbox")
    assert "Faire de la place" in text(lea.get(f"/messagerie/dossier/{inbox.pk}/"))
    Mailbox.objects.filter(staff=lea_staff).update(used_bytes=lea_staff.quota_mb * 1024 * 1024 * 96 // 100)
    folder_page = text(lea.get(f"/messagerie/dossier/{inbox.pk}/"))
    assert re.search(r'Boîte remplie à 9[56] %\.</strong> <a href="/messagerie/menage/">Faire de la place</a>',
                     folder_page)
    page = text(lea.get("/messagerie/menage/"))
    assert "Les plus gros messages" in page and "Photos de la sortie" in page
    assert "Les dossiers qui prennent le plus de place" in page and "Réception" in page
    message = lea_message("Photos de la sortie")
    assert f"/messagerie/message/{message.pk}/alleger/?retour=menage" in page


def test_removing_attachments_keeps_the_text_and_frees_the_room(lea, persona):
    lea_staff = persona("teacher_13")
    Mailbox.objects.filter(staff=lea_staff).update(used_bytes=sum(
        Message.objects.filter(mailbox__staff=lea_staff).values_list("size", flat=True)))
    message = lea_message("Photos de la sortie")
    lea.post("/messagerie/suivis/", {"ids": [message.pk]})
    before_used = Mailbox.objects.get(staff=lea_staff).used_bytes
    confirm = text(lea.get(f"/messagerie/message/{message.pk}/alleger/"))
    assert "gros.bin" in confirm and "Chaque pièce jointe est remplacée par une courte note" in confirm
    response = lea.post(f"/messagerie/message/{message.pk}/alleger/", {"retour": "menage"}, follow=True)
    assert "Pièces jointes retirées" in text(response) and "Le texte du message est conservé." in text(response)
    lighter = lea_message("Photos de la sortie")
    assert lighter.pk != message.pk and lighter.size < 10_000 and lighter.flagged
    assert not lighter.has_attachments
    parsed = parse(blobs.store().get(lighter.content.sha256))
    assert "Voici les photos de la sortie." in parsed.text
    assert "Pièce jointe « gros.bin »" in parsed.text and "retirée le" in parsed.text
    mailbox = Mailbox.objects.get(staff=lea_staff)
    assert mailbox.used_bytes == before_used - message.size + lighter.size
    inbox = Folder.objects.get(mailbox=mailbox, special="inbox")
    assert (inbox.total, inbox.size_bytes) == (1, lighter.size)
    again = lea.post(f"/messagerie/message/{lighter.pk}/alleger/", follow=True)
    assert "Ce message n'a pas de pièce jointe à retirer." in text(again)


def test_someone_else_cannot_lighten_my_message(lea, signed_in):
    message = lea_message("Photos de la sortie")
    hugo = signed_in("secondary_teacher")
    assert hugo.post(f"/messagerie/message/{message.pk}/alleger/").status_code == 404
    assert Message.objects.filter(pk=message.pk).exists()


def test_trash_and_junk_are_emptied_in_one_click(lea, persona):
    lea_staff = persona("teacher_13")
    message = lea_message("Photos de la sortie")
    lea.post("/messagerie/supprimer/", {"ids": [message.pk]})
    junk = Folder.objects.get(mailbox__staff=lea_staff, special="junk")
    sending.receive(b"From: spam@example.com\r\nSubject: Gagnant\r\n\r\nx\r\n", "", [lea_staff])
    spam = Message.objects.get(mailbox__staff=lea_staff, content__subject="Gagnant")
    lea.post("/messagerie/deplacer/", {"ids": [spam.pk], "dossier": junk.pk})
    page = text(lea.get("/messagerie/menage/"))
    assert "Ils contiennent 2 messages" in page
    response = lea.post("/messagerie/menage/vider/", follow=True)
    assert "Corbeille et Indésirables vidés : 2 message(s) supprimé(s) définitivement." in text(response)
    assert not Message.objects.filter(mailbox__staff=lea_staff).exists()
    assert Mailbox.objects.get(staff=lea_staff).used_bytes == 0


def test_remote_images_of_the_academie_s_mail_when_chosen_never_for_outside_mail(lea, persona):
    internal = HTML_WITH_TRACKER.replace(b"Lettre <lettre@example.org>", b"Hugo <hugo.bernard@ac-aix-marseille.fr>") \
        .replace(b"Subject: Lettre du musee", b"Subject: Lettre du college")
    sending.receive(internal, HUGO, [persona("teacher_13")])
    sending.receive(HTML_WITH_TRACKER, "lettre@example.org", [persona("teacher_13")])
    colleague, outside = lea_message("Lettre du college"), lea_message("Lettre du musee")
    assert "pixel.example.org" not in lea.get(f"/messagerie/message/{colleague.pk}/corps/").content.decode()
    page = text(lea.get("/messagerie/reglages/affichage/"))
    assert "les afficher pour les messages de l'académie" in page.lower()
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "50",
                                                 "remote_images": "academie"})
    assert "https://pixel.example.org/t.png" in lea.get(f"/messagerie/message/{colleague.pk}/corps/").content.decode()
    assert "pixel.example.org" not in lea.get(f"/messagerie/message/{outside.pk}/corps/").content.decode()
    bad = lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "50",
                                                       "remote_images": "toujours"})
    assert bad.status_code == 400
