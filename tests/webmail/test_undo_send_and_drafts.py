"""« Annuler l'envoi » (the message is held server-side as a draft until its
time) and the autosave of drafts (JSON answers, one draft replaced in place,
attachments carried from one save to the next)."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from calanque.mail import sending
from calanque.mail.models import Folder, Message
from calanque.webmail.models import HeldSend

from tests.webmail.helpers import HUGO, drafts, hugo_copies, text

pytestmark = pytest.mark.django_db



@pytest.fixture
def lea(signed_in):
    return signed_in("teacher_13")


def send(client, subject="Sortie scolaire", body="Départ à 8 h.", **extra):
    return client.post("/messagerie/ecrire/", {"to": HUGO, "subject": subject, "body": body, **extra})


def test_a_sent_message_is_held_until_the_undo_window_ends_then_sent_by_the_worker(lea, clock):
    response = send(lea)
    assert response.status_code == 302
    page = text(lea.get(response["Location"], follow=True))
    assert "Message envoyé." in page and "Annuler l'envoi" in page
    assert not hugo_copies("Sortie scolaire").exists()  # nothing left yet
    assert drafts().count() == 1  # held where a crash cannot lose it
    clock.advance(9)
    call_command("worker", "--once")
    assert not hugo_copies("Sortie scolaire").exists()
    clock.advance(2)
    call_command("worker", "--once")
    assert hugo_copies("Sortie scolaire").count() == 1
    assert not drafts().exists() and not HeldSend.objects.exists()
    assert Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="sent").total == 1
    call_command("worker", "--once")
    assert hugo_copies("Sortie scolaire").count() == 1  # sent once


def test_the_sender_s_next_page_sends_it_when_no_worker_runs(lea, clock):
    send(lea)
    clock.advance(11)
    page = text(lea.get("/messagerie/", follow=True))
    assert hugo_copies("Sortie scolaire").count() == 1
    assert "Annuler l'envoi" not in page


def test_cancelling_brings_the_message_back_in_compose_with_its_attachment(lea, clock):
    send(lea, attachments=[SimpleUploadedFile("plan.txt", b"Plan du musee", content_type="text/plain")])
    held = HeldSend.objects.get()
    response = lea.post(f"/messagerie/envoi/{held.pk}/annuler/")
    assert response.status_code == 302 and "brouillon=" in response["Location"]
    page = text(lea.get(response["Location"]))
    assert "Envoi annulé." in page
    assert 'value="Sortie scolaire"' in page and "Départ à 8 h." in page and f'value="{HUGO}"' in page
    assert 'name="garder"' in page and "plan.txt" in page
    clock.advance(60)
    call_command("worker", "--once")
    assert not hugo_copies("Sortie scolaire").exists()
    # Sent again from the draft, the kept attachment goes with it.
    draft = drafts().get()
    part = next(p for p in ("2", "3") if f'name="garder" value="{p}"' in page)
    lea.post(response["Location"], {"to": HUGO, "subject": "Sortie scolaire", "body": "Départ à 8 h.",
                                    "brouillon": draft.pk, "garder": [part]})
    clock.advance(11)
    call_command("worker", "--once")
    received = hugo_copies("Sortie scolaire").get()
    assert received.has_attachments
    assert not drafts().exists()


def test_cancelling_too_late_says_so(lea, clock):
    send(lea)
    held_id = HeldSend.objects.get().pk
    clock.advance(11)
    call_command("worker", "--once")
    page = text(lea.post(f"/messagerie/envoi/{held_id}/annuler/", follow=True))
    assert "Trop tard : le message est déjà parti." in page
    assert hugo_copies("Sortie scolaire").count() == 1


def test_nobody_else_can_cancel_my_message(lea, signed_in, clock):
    send(lea)
    held_id = HeldSend.objects.get().pk
    nadia = signed_in("administrative")
    page = text(nadia.post(f"/messagerie/envoi/{held_id}/annuler/", follow=True))
    assert "Trop tard" in page
    assert HeldSend.objects.filter(pk=held_id).exists()


def test_the_delay_is_a_setting_and_zero_sends_at_once(lea):
    response = lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "0", "per_page": "50", "remote_images": "demander",
                                                            "mark_read_on_open": "on"})
    assert response.status_code == 302
    send(lea)
    assert hugo_copies("Sortie scolaire").count() == 1
    bad = lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "3600", "per_page": "7", "remote_images": "demander"})
    assert bad.status_code == 400 and "Sélectionnez un choix valide" in text(bad)


def test_a_reply_held_then_sent_marks_the_original_and_threads(lea, persona, clock):
    raw = (b"From: hugo.bernard@ac-aix-marseille.fr\r\nTo: lea.garnier@ac-aix-marseille.fr\r\n"
           b"Subject: Sortie\r\nMessage-ID: <sortie-1@ac-aix-marseille.fr>\r\n\r\nOn part quand ?\r\n")
    sending.receive(raw, HUGO, [persona("teacher_13")])
    original = Message.objects.get(mailbox__staff__identifier="lea.garnier", content__subject="Sortie")
    lea.post(f"/messagerie/ecrire/?repondre={original.pk}", {"to": HUGO, "subject": "Re: Sortie", "body": "8 h"})
    assert not Message.objects.get(pk=original.pk).answered
    clock.advance(11)
    call_command("worker", "--once")
    assert Message.objects.get(pk=original.pk).answered
    reply = hugo_copies("Re: Sortie").get()
    assert reply.content.thread_key == original.content.thread_key


def test_an_empty_subject_asks_for_confirmation(lea):
    response = send(lea, subject="")
    assert response.status_code == 400
    page = text(response)
    assert "Ce message n'a pas d'objet." in page and "Envoyer sans objet" in page
    assert not HeldSend.objects.exists()
    assert send(lea, subject="", no_subject="on").status_code == 302
    assert HeldSend.objects.count() == 1


def test_autosave_answers_json_and_replaces_the_same_draft(lea):
    first = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Projet", "body": "Premier"},
                     HTTP_ACCEPT="application/json")
    assert first.status_code == 200
    data = first.json()
    assert drafts().get().pk == data["draft"] and f"brouillon={data['draft']}" in data["url"]
    second = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Projet", "body": "Deuxième",
                                                 "brouillon": data["draft"],
                                                 "attachments": [SimpleUploadedFile("a.txt", b"A")]},
                      HTTP_ACCEPT="application/json").json()
    assert drafts().count() == 1 and drafts().get().pk == second["draft"]
    assert [a["filename"] for a in second["attachments"]] == ["a.txt"]
    # The next save keeps the attachment (by its part) without uploading it again.
    third = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Projet", "body": "Troisième",
                                                "brouillon": second["draft"],
                                                "garder": [second["attachments"][0]["part"]]},
                     HTTP_ACCEPT="application/json").json()
    assert drafts().count() == 1 and [a["filename"] for a in third["attachments"]] == ["a.txt"]
    assert "Troisième" in text(lea.get(third["url"]))


def test_autosave_with_an_expired_session_goes_to_the_sign_in_page(client):
    response = client.post("/messagerie/brouillon/", {"subject": "x"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_a_draft_deleted_in_another_tab_does_not_break_compose(lea):
    page = text(lea.get("/messagerie/ecrire/?brouillon=999999"))
    assert "Ce brouillon n'existe plus" in page
    response = lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "S", "body": "B", "brouillon": "999999"})
    assert response.status_code == 302


def test_the_compose_page_carries_what_the_autosave_needs(lea):
    page = text(lea.get("/messagerie/ecrire/"))
    assert 'data-calanque-autosave="/messagerie/brouillon/"' in page
    assert 'name="brouillon" value=""' in page


def test_the_20_mb_limit_counts_the_draft_s_attachments_too(lea):
    eleven = b"x" * (11 * 1024 * 1024)
    first = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Lourd", "body": "B",
                                                "attachments": [SimpleUploadedFile("a.bin", eleven)]},
                     HTTP_ACCEPT="application/json").json()
    part = first["attachments"][0]["part"]
    refused = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Lourd", "body": "B",
                                                  "brouillon": first["draft"], "garder": [part],
                                                  "attachments": [SimpleUploadedFile("b.bin", eleven)]},
                       HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"error": "Les pièces jointes dépassent 20 Mo au total."}
    assert drafts().get().pk == first["draft"]  # the previous draft is untouched
    sent = lea.post(f"/messagerie/ecrire/?brouillon={first['draft']}", {
        "to": HUGO, "subject": "Lourd", "body": "B", "brouillon": first["draft"], "garder": [part],
        "attachments": [SimpleUploadedFile("b.bin", eleven)]})
    assert sent.status_code == 400 and "Les pièces jointes dépassent 20 Mo au total." in text(sent)
    assert not HeldSend.objects.exists()
    page = text(lea.get(first["url"]))
    assert 'data-calanque-max-bytes="20971520"' in page and 'id="progression-pieces"' in page


@pytest.mark.parametrize("undo", ["0", "10"])
def test_envoyer_clicked_twice_sends_once_even_without_javascript(lea, clock, undo):
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": undo, "per_page": "50", "remote_images": "demander"})
    token = re.search(r'name="jeton" value="([^"]+)"', text(lea.get("/messagerie/ecrire/"))).group(1)
    for _ in range(2):
        response = send(lea, subject="Une seule fois", jeton=token)
        assert response.status_code == 302
    assert "Ce message a déjà été envoyé." in text(lea.get("/messagerie/", follow=True))
    clock.advance(11)
    call_command("worker", "--once")
    assert hugo_copies("Une seule fois").count() == 1
    other = re.search(r'name="jeton" value="([^"]+)"', text(lea.get("/messagerie/ecrire/"))).group(1)
    assert other != token
    send(lea, subject="Une seule fois", jeton=other)  # a new page is a new message
    clock.advance(11)
    call_command("worker", "--once")
    assert hugo_copies("Une seule fois").count() == 2


def test_formatted_text_is_cleaned_kept_in_drafts_and_sent_with_its_plain_version(lea, clock):
    from calanque.mail import blobs
    from calanque.mail.parsing import parse

    hostile = ('<p>Bonjour <b>à tous</b>, <i>voir</i> <a href="https://www.ac-aix-marseille.fr/" onclick="x()">'
               'le site</a></p><ul><li>un</li></ul><script>alert(1)</script><img src="https://pixel.example/t.png">'
               '<a href="javascript:alert(2)">piège</a><p style="color:red">rouge</p>')
    saved = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Mis en forme", "body": "Bonjour à tous",
                                                "body_html": hostile}, HTTP_ACCEPT="application/json").json()
    page = lea.get(saved["url"]).content.decode()
    kept = html.unescape(re.search(r'name="body_html" value="([^"]*)"', page).group(1))
    assert "<b>à tous</b>" in kept and "<script" not in kept and "onclick" not in kept and "javascript:" not in kept
    assert "pixel.example" not in kept and "style=" not in kept
    lea.post(saved["url"], {"to": HUGO, "subject": "Mis en forme", "body": "Bonjour à tous, voir le site",
                            "body_html": kept, "brouillon": saved["draft"]})
    clock.advance(11)
    call_command("worker", "--once")
    received = hugo_copies("Mis en forme").get()
    parsed = parse(blobs.store().get(received.content.sha256))
    assert "Bonjour à tous, voir le site" in parsed.text
    assert "<b>à tous</b>" in parsed.html and '<a href="https://www.ac-aix-marseille.fr/"' in parsed.html
    assert "<li>un</li>" in parsed.html and "<script" not in parsed.html


def test_a_plain_message_stays_plain(lea, clock):
    from calanque.mail import blobs
    from calanque.mail.parsing import parse

    send(lea, body_html="<p>   </p><script>x</script>")
    clock.advance(11)
    call_command("worker", "--once")
    parsed = parse(blobs.store().get(hugo_copies("Sortie scolaire").get().content.sha256))
    assert parsed.html == "" and "Départ à 8 h." in parsed.text
