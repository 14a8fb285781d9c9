"""Regressions of the webmail's security review: line breaks in headers,
team addresses in compose, ``?to=`` from the annuaire, held messages that are
deleted or lightened, « Envoyer » claimed once across web processes, remote
images of mail that only claims to come from the académie, the draft kept
in the tab across a session expiry."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from calanque.mail import actions as mail_actions
from calanque.mail.models import Message
from calanque.webmail import actions as webmail_actions
from calanque.webmail.models import HeldSend

from tests.webmail.helpers import HUGO, drafts, hugo_copies, text

pytestmark = pytest.mark.django_db



def token_of(client) -> str:
    return re.search(r'name="jeton" value="([^"]+)"', text(client.get("/messagerie/ecrire/"))).group(1)


def no_delay(client, remote_images="demander"):
    client.post("/messagerie/reglages/affichage/", {"undo_seconds": "0", "per_page": "50",
                                                    "remote_images": remote_images})


@pytest.fixture
def lea(signed_in):
    return signed_in("teacher_13")


# Finding 7: line breaks in subject and addresses ------------------------------

def test_a_line_break_in_the_subject_or_an_address_of_a_draft_is_flattened_not_a_500(lea):
    saved = lea.post("/messagerie/brouillon/", {"to": HUGO + "\r\nBcc: x@evil.example",
                                                "subject": "a\r\nBcc: x@evil.example", "body": "b"},
                     HTTP_ACCEPT="application/json")
    assert saved.status_code == 200
    draft = Message.objects.get(pk=saved.json()["draft"])
    assert draft.content.subject == "a Bcc: x@evil.example"
    raw = mail_actions.blobs.store().get(draft.content.sha256)
    assert b"\nBcc: x@evil.example" not in raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n")


def test_a_line_break_in_the_subject_when_sending_is_flattened_not_a_500(lea):
    no_delay(lea)
    sent = lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Sortie\nscolaire\u2028demain", "body": "b"})
    assert sent.status_code == 302
    assert hugo_copies("Sortie scolaire demain").count() == 1


def test_a_send_that_fails_does_not_use_up_the_page_s_token(lea, monkeypatch):
    no_delay(lea)
    token = token_of(lea)
    real_send = mail_actions.do_send

    def broken(*args, **kwargs):
        raise OSError("stockage indisponible")

    monkeypatch.setattr(mail_actions, "do_send", broken)
    with pytest.raises(OSError):
        lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Réessai", "body": "b", "jeton": token})
    monkeypatch.setattr(mail_actions, "do_send", real_send)
    again = lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Réessai", "body": "b", "jeton": token},
                     follow=True)
    assert "Message envoyé." in text(again)
    assert hugo_copies("Réessai").count() == 1


# Finding 8: a support team's address is a valid recipient ----------------------

def test_compose_to_a_support_team_address_files_a_request(lea, persona):
    from calanque.assistance.models import Ticket

    no_delay(lea)
    sent = lea.post("/messagerie/ecrire/", {"to": "assistance@ac-aix-marseille.fr", "subject": "Imprimante",
                                            "body": "Elle ne répond plus."}, follow=True)
    assert "Destinataire inconnu" not in text(sent) and "Message envoyé." in text(sent)
    ticket = Ticket.objects.get(subject="Imprimante")
    assert ticket.requester == persona("teacher_13")


def test_an_unknown_local_address_is_still_refused(lea):
    refused = lea.post("/messagerie/ecrire/", {"to": "personne.inconnue@ac-aix-marseille.fr", "subject": "x",
                                               "body": "b"})
    assert refused.status_code == 400 and "Destinataire inconnu" in text(refused)


# Finding 9: the annuaire's « Écrire à » fills « À » ------------------------------

def test_the_annuaire_s_write_link_prefills_the_recipients(lea):
    group = f"{HUGO}, nadia.rousseau@ac-aix-marseille.fr"
    page = lea.get("/messagerie/ecrire/", {"to": group})
    assert page.context["form"]["to"].value() == group
    assert f'value="{group}"' in text(page)


# Finding 6: a held message deleted, moved or lightened ---------------------------

def test_deleting_a_held_message_stops_its_sending(lea, clock):
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Oups", "body": "pas ça"})
    held = HeldSend.objects.get()
    deleted = lea.post("/messagerie/supprimer/", {"ids": [held.draft_id]}, follow=True)
    assert "Envoi annulé pour 1 message(s)." in text(deleted)
    assert Message.objects.get(pk=held.draft_id).folder.special == "trash"
    assert not HeldSend.objects.exists()
    clock.advance(30)
    call_command("worker", "--once")
    assert not hugo_copies("Oups").exists()


def test_archiving_or_moving_a_held_message_stops_its_sending(lea, clock):
    for subject, url in (("Archivé", "/messagerie/archiver/"), ("Déplacé", "/messagerie/deplacer/")):
        lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": subject, "body": "x"})
        held = HeldSend.objects.get()
        inbox = Message.objects.get(pk=held.draft_id).mailbox.folders.get(special="inbox")
        lea.post(url, {"ids": [held.draft_id], "dossier": inbox.pk})
        assert not HeldSend.objects.exists()
    clock.advance(30)
    call_command("worker", "--once")
    assert not hugo_copies("Archivé").exists() and not hugo_copies("Déplacé").exists()


def test_a_held_message_cannot_be_lightened_and_still_leaves(lea, clock):
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "PJ", "body": "x",
                                     "attachments": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")})
    held = HeldSend.objects.get()
    refused = lea.post(f"/messagerie/message/{held.draft_id}/alleger/", {}, follow=True)
    assert "annulez l'envoi avant d'en retirer les pièces jointes" in text(refused)
    assert HeldSend.objects.filter(pk=held.pk).exists()
    clock.advance(30)
    call_command("worker", "--once")
    assert hugo_copies("PJ").get().has_attachments


# Finding 11: « Envoyer » claimed once whatever the web process ------------------

@pytest.mark.parametrize("undo", ["0", "10"])
def test_the_same_page_sent_twice_through_two_web_processes_sends_once(lea, clock, undo):
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": undo, "per_page": "50", "remote_images": "demander"})
    token = token_of(lea)
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Deux processus", "body": "b", "jeton": token})
    cache.clear()  # the second « Envoyer » reaches another gunicorn worker: its own local cache
    second = lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Deux processus", "body": "b", "jeton": token},
                      follow=True)
    assert "Ce message a déjà été envoyé." in text(second)
    clock.advance(11)
    call_command("worker", "--once")
    assert hugo_copies("Deux processus").count() == 1


# Suspicious: attachments read into memory before the size check -----------------

def test_uploads_over_the_limit_are_refused_before_being_read(lea, monkeypatch):
    from django.core.files.uploadedfile import InMemoryUploadedFile

    from calanque.webmail import views

    def never(self):
        raise AssertionError("pièce jointe lue avant la vérification de la taille")

    def upload(name, data):  # not an UploadedFile: the patch below is for the server's side only
        f = io.BytesIO(data)
        f.name = name
        return f

    monkeypatch.setattr(views, "MAX_ATTACHMENTS_BYTES", 1000)
    monkeypatch.setattr(InMemoryUploadedFile, "read", property(never))
    sent = lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Gros", "body": "x",
                                            "attachments": [upload("a.bin", b"a" * 600), upload("b.bin", b"b" * 600)]})
    assert sent.status_code == 400 and "Les pièces jointes dépassent 20 Mo au total." in text(sent)
    saved = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Gros", "body": "x",
                                                "attachments": upload("c.bin", b"c" * 1200)},
                     HTTP_ACCEPT="application/json")
    assert saved.status_code == 400 and saved.json()["error"] == "Les pièces jointes dépassent 20 Mo au total."
    assert not HeldSend.objects.exists() and not drafts().filter(content__subject="Gros").exists()


# Issue 6, bad input: too many recipients, with a limit the académie sets -------

def test_the_academie_limits_the_recipients_of_one_message(lea, persona):
    academy = persona("teacher_13").academy
    academy.max_recipients = 2
    academy.save(update_fields=["max_recipients"])
    refused = lea.post("/messagerie/ecrire/", {"to": HUGO, "cc": "nadia.rousseau@ac-aix-marseille.fr",
                                               "bcc": "julien.morel@ac-aix-marseille.fr",
                                               "subject": "Trop de monde", "body": "b"})
    assert refused.status_code == 400
    assert "3 destinataires : l'académie en permet 2 au plus par message." in text(refused)
    assert not hugo_copies("Trop de monde").exists()
    no_delay(lea)
    sent = lea.post("/messagerie/ecrire/", {"to": HUGO, "cc": "nadia.rousseau@ac-aix-marseille.fr",
                                            "subject": "Juste assez", "body": "b"})
    assert sent.status_code == 302 and hugo_copies("Juste assez").exists()
