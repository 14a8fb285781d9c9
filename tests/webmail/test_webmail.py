"""The webmail through the HTTP client: folders, reading safely, compose,
bulk actions, search, forwarding and absence settings."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from calanque.academy.models import Staff
from calanque.mail import sending
from calanque.mail.models import Folder, Message, OutboundMessage

pytestmark = pytest.mark.django_db

HTML_MAIL = (b"From: Jean Externe <jean@example.com>\r\nTo: lea.garnier@ac-aix-marseille.fr\r\n"
             b"Subject: Sortie au musee\r\nMessage-ID: <sortie@example.com>\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
             b"<p onclick=\"x()\">Bonjour <b>L\xc3\xa9a</b><script>alert(1)</script>"
             b"<img src=\"https://tracker.example.com/p.png\"><a href=\"https://evil.example.net/\">"
             b"https://www.ac-aix-marseille.fr</a><form><input name=p></form></p>\r\n--B\r\n"
             b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"programme.pdf\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n")


def text(response) -> str:
    return html.unescape(response.content.decode())


def release(clock):
    """Let the « Annuler l'envoi » window pass and the worker send."""
    clock.advance(31)
    call_command("worker", "--once")


@pytest.fixture
def lea_client(signed_in, persona):
    client = signed_in("teacher_13")
    sending.receive(HTML_MAIL, "jean@example.com", [persona("teacher_13")])
    return client


def inbox(identifier):
    return Folder.objects.get(mailbox__staff__identifier=identifier, special="inbox")


def test_the_messagerie_is_in_the_navigation_and_opens_the_inbox(lea_client):
    response = lea_client.get("/messagerie/", follow=True)
    page = text(response)
    assert response.redirect_chain[-1][0] == f"/messagerie/dossier/{inbox('lea.garnier').pk}/"
    assert "Sortie au musee" in page and "Jean Externe" in page
    assert 'href="/messagerie/"' in page and 'aria-current="page"' in page


def test_reading_marks_as_read_and_warns_about_outside_mail_and_lying_links(lea_client):
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    assert inbox("lea.garnier").unread == 1
    page = text(lea_client.get(f"/messagerie/message/{message.pk}/"))
    assert inbox("lea.garnier").unread == 0
    assert "Ce message provient de l'extérieur de l'académie" in page
    assert "un lien de ce message affiche une adresse mais mène à une autre" in page
    assert "Les images distantes ont été bloquées" in page
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "programme.pdf" in page


def test_the_message_body_is_sanitised_and_served_with_its_own_strict_policy(lea_client):
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    response = lea_client.get(f"/messagerie/message/{message.pk}/corps/")
    body = response.content.decode()
    assert response["Content-Security-Policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")
    assert "script-src" not in response["Content-Security-Policy"]
    for forbidden in ("<script", "alert(1)", "onclick", "<form", "<input", "tracker.example.com"):
        assert forbidden not in body
    assert 'rel="noopener noreferrer"' in body and "Attention : ce lien mène à evil.example.net" in body
    assert "https:" not in response["Content-Security-Policy"]  # nothing remote loads
    assert "; sandbox allow-popups" in response["Content-Security-Policy"]  # even opened outside its iframe
    allowed = lea_client.get(f"/messagerie/message/{message.pk}/corps/?images=1")
    assert "https://tracker.example.com/p.png" in allowed.content.decode()
    assert "img-src data: http://testserver https: http:;" in allowed["Content-Security-Policy"]


def test_attachments_are_downloaded_never_rendered(lea_client):
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    response = lea_client.get(f"/messagerie/message/{message.pk}/piece/2/")
    assert response["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-1.4")
    assert lea_client.get(f"/messagerie/message/{message.pk}/piece/9/").status_code == 404
    assert lea_client.get(f"/messagerie/message/{message.pk}/piece/..%2F/").status_code == 404
    source = lea_client.get(f"/messagerie/message/{message.pk}/source/?telecharger=1")
    assert source["Content-Disposition"].endswith('.eml"') and source.content.endswith(b"--B--\r\n")


def test_someone_else_s_mail_is_not_found(lea_client, signed_in):
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    hugo = signed_in("secondary_teacher")
    for url in (f"/messagerie/message/{message.pk}/", f"/messagerie/message/{message.pk}/corps/",
                f"/messagerie/message/{message.pk}/piece/2/", f"/messagerie/dossier/{inbox('lea.garnier').pk}/"):
        assert hugo.get(url).status_code == 404
    hugo.post("/messagerie/supprimer/", {"ids": [message.pk]})
    assert Message.objects.get(pk=message.pk).folder.special == "inbox"


def test_sending_to_a_colleague_and_outside_with_bcc_and_an_attachment(lea_client, persona, clock):
    response = lea_client.post("/messagerie/ecrire/", {
        "to": "hugo.bernard@ac-aix-marseille.fr, parent@example.net", "cc": "", "bcc": "nadia.rousseau@ac-aix-marseille.fr",
        "subject": "Conseil de classe", "body": "Bonjour,\nle conseil a lieu jeudi.",
        "attachments": [SimpleUploadedFile("ordre-du-jour.txt", b"1. Bilan", content_type="text/plain")],
    })
    assert response.status_code == 302
    release(clock)
    received = Message.objects.select_related("content").get(mailbox__staff__identifier="hugo.bernard")
    assert received.content.subject == "Conseil de classe" and received.has_attachments
    assert Message.objects.filter(mailbox__staff__identifier="nadia.rousseau").exists()
    sent = Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="sent")
    assert sent.total == 1
    assert OutboundMessage.objects.get().recipient == "parent@example.net"
    from calanque.mail import blobs

    raw = blobs.store().get(received.content.sha256)
    assert b"nadia.rousseau" not in raw.split(b"\r\n\r\n", 1)[0]  # Bcc never in the headers


@pytest.mark.parametrize(("to", "message"), [
    ("", "Indiquez au moins un destinataire."),
    ("pas une adresse", "Adresse invalide"),
    ("personne.inconnue@ac-aix-marseille.fr", "Destinataire inconnu dans l'académie"),
])
def test_compose_errors_are_clear(lea_client, to, message):
    response = lea_client.post("/messagerie/ecrire/", {"to": to, "subject": "x", "body": "y"})
    assert response.status_code == 400
    assert message in text(response)
    assert not Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="sent").total


def test_reply_is_prefilled_and_marks_the_original_answered(lea_client, clock):
    original = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    page = text(lea_client.get(f"/messagerie/ecrire/?repondre={original.pk}"))
    assert 'value="jean@example.com"' in page and 'value="Re: Sortie au musee"' in page
    lea_client.post(f"/messagerie/ecrire/?repondre={original.pk}", {"to": "jean@example.com", "subject": "Re: Sortie",
                                                                    "body": "Merci"})
    release(clock)
    assert Message.objects.get(pk=original.pk).answered


def test_bulk_actions_move_delete_and_empty_the_trash(lea_client):
    original = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    lea_client.post("/messagerie/non-lus/", {"ids": [original.pk]})
    archive = Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="archive")
    lea_client.post("/messagerie/deplacer/", {"ids": [original.pk], "dossier": archive.pk})
    assert Message.objects.get(pk=original.pk).folder == archive
    lea_client.post("/messagerie/supprimer/", {"ids": [original.pk]})
    trash = Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="trash")
    assert (trash.total, trash.unread) == (1, 1)
    lea_client.post(f"/messagerie/dossier/{trash.pk}/vider/")
    assert not Message.objects.filter(mailbox__staff__identifier="lea.garnier").exists()


def test_search_finds_french_words_without_accents(lea_client):
    page = text(lea_client.get("/messagerie/recherche/", {"q": "lea musée"}))
    assert "1 message trouvé" in page and "Sortie au musee" in page


def test_forwarding_and_absence_settings(lea_client):
    response = lea_client.post("/messagerie/reglages/", {
        "forward_to": "lea@example.net", "forward_keep_copy": "on", "vacation_enabled": "on",
        "vacation_start": "2026-12-01", "vacation_end": "2026-11-30", "vacation_text": ""})
    page = text(response)
    assert response.status_code == 400
    assert "La fin de l'absence doit suivre son début." in page and "Écrivez le texte de la réponse." in page
    lea_client.post("/messagerie/reglages/", {
        "forward_to": "lea@example.net", "forward_keep_copy": "on", "vacation_enabled": "on",
        "vacation_start": "2026-12-01", "vacation_end": "2026-12-20", "vacation_text": "En stage."})
    mailbox = Staff.objects.get(identifier="lea.garnier").mailbox
    assert (mailbox.forward_to, mailbox.vacation_text) == ("lea@example.net", "En stage.")


def test_a_page_of_a_big_folder_shows_fifty_messages_and_pages(lea_client, persona):
    lea = persona("teacher_13")
    for n in range(60):
        sending.receive(f"From: a{n}@example.com\r\nSubject: numero {n}\r\n\r\nx\r\n".encode(), "", [lea])
    page = text(lea_client.get(f"/messagerie/dossier/{inbox('lea.garnier').pk}/"))
    assert "61 messages" in page and "1 / 2" in page
    assert len(re.findall(r'name="ids" value="\d+"', page)) == 50
    second = text(lea_client.get(f"/messagerie/dossier/{inbox('lea.garnier').pk}/?page=2"))
    assert len(re.findall(r'name="ids" value="\d+"', second)) == 11


def test_custom_folders_are_created_renamed_and_deleted_into_the_trash(lea_client):
    response = lea_client.post("/messagerie/dossiers/creer/", {"name": "Conseils de classe"}, follow=True)
    created = Folder.objects.get(mailbox__staff__identifier="lea.garnier", name="Conseils de classe")
    assert "Dossier « Conseils de classe » créé." in text(response)
    for bad, error in (("a/b", "sans « / »"), ("conseils DE classe", "existe déjà")):
        page = text(lea_client.post("/messagerie/dossiers/creer/", {"name": bad}, follow=True))
        assert error in page
    child = lea_client.post("/messagerie/dossiers/creer/", {"name": "3e B", "parent": created.pk})
    assert child.status_code == 302
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier")
    lea_client.post("/messagerie/deplacer/", {"ids": [message.pk], "dossier": Folder.objects.get(name="3e B").pk})
    lea_client.post(f"/messagerie/dossier/{created.pk}/renommer/", {"name": "Conseils"})
    assert Folder.objects.get(pk=created.pk).name == "Conseils"
    confirm = text(lea_client.get(f"/messagerie/dossier/{created.pk}/supprimer/"))
    assert "Ses sous-dossiers seront supprimés aussi" in confirm
    lea_client.post(f"/messagerie/dossier/{created.pk}/supprimer/")
    assert not Folder.objects.filter(name__in=["Conseils", "3e B"]).exists()
    assert Message.objects.get(pk=message.pk).folder.special == "trash"
    inbox_id = inbox("lea.garnier").pk
    assert lea_client.get(f"/messagerie/dossier/{inbox_id}/supprimer/").status_code == 404


def test_a_draft_is_saved_reopened_and_sent_once(lea_client, clock):
    response = lea_client.post("/messagerie/brouillon/", {"to": "hugo.bernard@ac-aix-marseille.fr",
                                                          "bcc": "nadia.rousseau@ac-aix-marseille.fr",
                                                          "subject": "Projet", "body": "Premier jet"})
    draft = Message.objects.get(folder__special="drafts", mailbox__staff__identifier="lea.garnier")
    assert response["Location"] == f"/messagerie/ecrire/?brouillon={draft.pk}"
    page = text(lea_client.get(response["Location"]))
    assert 'value="Projet"' in page and "Premier jet" in page and 'value="nadia.rousseau@ac-aix-marseille.fr"' in page
    lea_client.post(response["Location"], {"to": "hugo.bernard@ac-aix-marseille.fr", "subject": "Projet",
                                           "body": "Version finale", "brouillon": draft.pk})
    release(clock)
    assert not Message.objects.filter(folder__special="drafts", mailbox__staff__identifier="lea.garnier").exists()
    assert Message.objects.filter(mailbox__staff__identifier="hugo.bernard", content__subject="Projet").count() == 1




def test_the_directory_suggests_addresses_while_typing(lea_client):
    results = lea_client.get("/annuaire/suggestions/", {"q": "bernard"}).json()["results"]
    assert any(r["email"] == "hugo.bernard@ac-aix-marseille.fr" for r in results)
    assert lea_client.get("/annuaire/suggestions/", {"q": "b"}).json() == {"results": []}


def test_reply_all_copies_the_other_recipients_but_not_me(lea_client, persona):
    raw = (b"From: jean@example.com\r\nTo: lea.garnier@ac-aix-marseille.fr, hugo.bernard@ac-aix-marseille.fr\r\n"
           b"Cc: parent@example.net\r\nSubject: Sortie\r\n\r\nx\r\n")
    sending.receive(raw, "jean@example.com", [persona("teacher_13")])
    message = Message.objects.filter(mailbox__staff__identifier="lea.garnier", content__subject="Sortie").get()
    page = text(lea_client.get(f"/messagerie/ecrire/?repondre_a_tous={message.pk}"))
    assert 'value="jean@example.com"' in page
    assert 'value="hugo.bernard@ac-aix-marseille.fr, parent@example.net"' in page


def test_the_quota_gauge_warns_from_80_percent(lea_client, persona):
    from calanque.mail.models import Mailbox

    Mailbox.objects.filter(staff=persona("teacher_13")).update(used_bytes=86 * 2048 * 1024 * 1024 // 100)
    page = text(lea_client.get(f"/messagerie/dossier/{inbox('lea.garnier').pk}/"))
    assert '<meter id="jauge-quota"' in page and re.search(r"Boîte remplie à 8[56] %\.", page)
    assert "Voir les plus gros messages" in page

