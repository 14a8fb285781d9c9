"""Several signatures (one default, chosen in compose, the académie's model
filled from the directory) and the display settings (messages per page,
mark as read on open, conversations)."""

import html
import re

import pytest

from calanque.mail import sending
from calanque.mail.models import Folder, Message
from calanque.webmail.models import InstitutionalSignature, Signature

pytestmark = pytest.mark.django_db

HUGO = "hugo.bernard@ac-aix-marseille.fr"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def lea(signed_in):
    client = signed_in("teacher_13")
    client.post("/messagerie/reglages/affichage/", {"undo_seconds": "0", "per_page": "50", "remote_images": "demander",
                                                    "mark_read_on_open": "on"})
    return client


def sent_body(subject):
    from calanque.mail import blobs
    from calanque.mail.parsing import parse

    copy = Message.objects.select_related("content").get(mailbox__staff__identifier="hugo.bernard",
                                                         content__subject=subject)
    return parse(blobs.store().get(copy.content.sha256)).text.replace("\r\n", "\n")


def test_signatures_are_created_edited_made_default_and_deleted(lea):
    response = lea.post("/messagerie/reglages/signatures/", {"name": "Classe", "text": "Léa Garnier\nCM2 B",
                                                            "is_default": "on"})
    assert response.status_code == 302
    lea.post("/messagerie/reglages/signatures/", {"name": "Direction", "text": "Léa Garnier\nDirectrice",
                                                  "is_default": "on"})
    mine = {s.name: s for s in Signature.objects.filter(staff__identifier="lea.garnier")}
    assert not mine["Classe"].is_default and mine["Direction"].is_default  # one default
    duplicate = lea.post("/messagerie/reglages/signatures/", {"name": "classe", "text": "x"})
    assert duplicate.status_code == 400 and "Vous avez déjà une signature « classe »." in text(duplicate)
    empty = lea.post("/messagerie/reglages/signatures/", {"name": "Vide", "text": ""})
    assert empty.status_code == 400 and "Ce champ est obligatoire." in text(empty)
    lea.post(f"/messagerie/reglages/signatures/{mine['Classe'].pk}/", {"name": "Classe", "text": "CM2 B et C"})
    assert Signature.objects.get(pk=mine["Classe"].pk).text == "CM2 B et C"
    lea.post(f"/messagerie/reglages/signatures/{mine['Classe'].pk}/supprimer/")
    assert list(Signature.objects.filter(staff__identifier="lea.garnier").values_list("name", flat=True)) \
        == ["Direction"]


def test_someone_else_s_signature_is_not_found(lea, signed_in):
    lea.post("/messagerie/reglages/signatures/", {"name": "Classe", "text": "Léa"})
    signature = Signature.objects.get(staff__identifier="lea.garnier")
    hugo = signed_in("secondary_teacher")
    assert hugo.get(f"/messagerie/reglages/signatures/{signature.pk}/").status_code == 404
    assert hugo.post(f"/messagerie/reglages/signatures/{signature.pk}/supprimer/").status_code == 404
    assert Signature.objects.filter(pk=signature.pk).exists()


def test_the_default_signature_is_added_and_another_can_be_chosen(lea):
    lea.post("/messagerie/reglages/signatures/", {"name": "Classe", "text": "Léa Garnier\nCM2 B", "is_default": "on"})
    lea.post("/messagerie/reglages/signatures/", {"name": "Direction", "text": "La directrice"})
    classe, direction = (Signature.objects.get(name=n, staff__identifier="lea.garnier") for n in ("Classe", "Direction"))
    page = text(lea.get("/messagerie/ecrire/"))
    assert re.search(rf'<option value="s{classe.pk}" selected>Classe</option>', page)
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Avec défaut", "body": "Bonjour",
                                     "signature": f"s{classe.pk}"})
    assert sent_body("Avec défaut").rstrip() == "Bonjour\n\n-- \nLéa Garnier\nCM2 B"
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Autre", "body": "Bonjour",
                                     "signature": f"s{direction.pk}"})
    assert sent_body("Autre").rstrip().endswith("-- \nLa directrice")
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Sans", "body": "Bonjour", "signature": ""})
    assert "-- " not in sent_body("Sans")


def test_the_academie_signature_is_filled_from_the_directory(lea, persona):
    lea_staff = persona("teacher_13")
    InstitutionalSignature.objects.create(academy=lea_staff.academy,
                                          template="{prenom} {nom}\n{fonction}\n{etablissement}\n{academie}")
    page = text(lea.get("/messagerie/ecrire/"))
    assert "Signature de l'académie" in page
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Institutionnelle", "body": "Bonjour",
                                     "signature": "academie"})
    body = sent_body("Institutionnelle")
    assert f"{lea_staff.first_name} {lea_staff.last_name}" in body and lea_staff.academy.name in body
    assert lea_staff.establishment.name in body and "{" not in body


def test_a_reopened_draft_does_not_get_the_signature_twice(lea):
    lea.post("/messagerie/reglages/signatures/", {"name": "Classe", "text": "CM2 B", "is_default": "on"})
    signature = Signature.objects.get(staff__identifier="lea.garnier")
    response = lea.post("/messagerie/brouillon/", {"to": HUGO, "subject": "Brouillon", "body": "Texte",
                                                   "signature": f"s{signature.pk}"})
    page = text(lea.get(response["Location"]))
    assert page.count("CM2 B") == 2  # once in the body, once in the preview of the (unselected) signature
    assert '<option value="" selected>' in page


def test_per_page_and_mark_as_read_settings(lea, persona):
    lea_staff = persona("teacher_13")
    for n in range(30):
        sending.receive(f"From: a{n}@example.com\r\nSubject: numero {n}\r\n\r\nx\r\n".encode(), "", [lea_staff])
    inbox = Folder.objects.get(mailbox__staff=lea_staff, special="inbox")
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "25", "remote_images": "demander"})
    page = text(lea.get(f"/messagerie/dossier/{inbox.pk}/"))
    assert len(re.findall(r'name="ids" value="\d+"', page)) == 25 and "1 / 2" in page
    message = Message.objects.filter(folder=inbox).first()
    lea.get(f"/messagerie/message/{message.pk}/")
    assert not Message.objects.get(pk=message.pk).seen  # mark_read_on_open unchecked
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "50", "remote_images": "demander", "mark_read_on_open": "on"})
    lea.get(f"/messagerie/message/{message.pk}/")
    assert Message.objects.get(pk=message.pk).seen


def test_conversation_view_groups_a_thread_in_one_row(lea, persona):
    lea_staff = persona("teacher_13")
    first = b"From: jean@example.com\r\nSubject: Projet\r\nMessage-ID: <p1@example.com>\r\n\r\nun\r\n"
    second = (b"From: marie@example.com\r\nSubject: Re: Projet\r\nMessage-ID: <p2@example.com>\r\n"
              b"In-Reply-To: <p1@example.com>\r\nReferences: <p1@example.com>\r\n\r\ndeux\r\n")
    alone = b"From: paul@example.com\r\nSubject: Autre chose\r\n\r\ntrois\r\n"
    for raw in (first, second, alone):
        sending.receive(raw, "", [lea_staff])
    inbox = Folder.objects.get(mailbox__staff=lea_staff, special="inbox")
    flat = text(lea.get(f"/messagerie/dossier/{inbox.pk}/"))
    assert len(re.findall(r'name="ids" value="\d+"', flat)) == 3
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "50", "remote_images": "demander", "conversations": "on",
                                                 "mark_read_on_open": "on"})
    grouped = text(lea.get(f"/messagerie/dossier/{inbox.pk}/"))
    assert "2 conversations" in grouped
    assert len(re.findall(r'name="ids" value="\d+"', grouped)) == 2
    assert re.search(r'Re: Projet</a> <span class="fr-badge[^"]*">2<span class="fr-sr-only"> messages dans la '
                     r"conversation", grouped)
    latest = Message.objects.get(mailbox=lea_staff.mailbox, content__subject="Re: Projet")
    reading = text(lea.get(f"/messagerie/message/{latest.pk}/"))
    assert "Dans la même conversation" in reading


def test_webmail_pages_are_boosted_by_a_pinned_local_htmx_under_the_strict_policy(lea, persona):
    from django.contrib.staticfiles import finders

    sending.receive(b"From: jean@example.com\r\nSubject: Avec piece\r\nMIME-Version: 1.0\r\n"
                    b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nx\r\n"
                    b"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n"
                    b"%PDF\r\n--B--\r\n", "", [persona("teacher_13")])
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier", content__subject="Avec piece")
    response = lea.get(f"/messagerie/message/{message.pk}/")
    page = text(response)
    assert '<script src="/static/webmail/vendor/htmx-2.0.11.min.js" defer></script>' in page
    assert finders.find("webmail/vendor/htmx-2.0.11.min.js")
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    import json

    assert json.loads(config)["includeIndicatorStyles"] is False  # no inline <style> under the CSP
    assert json.loads(config)["historyCacheSize"] == 0  # no mail copied into localStorage
    assert 'hx-boost="true" hx-target="#contenu" hx-select="#contenu"' in page
    # Downloads and the raw source are ordinary links, never swapped into the page.
    assert re.search(r'href="/messagerie/message/\d+/piece/2/" download hx-boost="false"', page)
    assert '<p class="fr-text--xs" hx-boost="false"><a href="/messagerie/message/' in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("style-src")[1].split(";")[0]
    assert 'id="redaction" hx-boost="false"' in text(lea.get("/messagerie/ecrire/"))


def test_administrators_set_the_academie_signature_in_the_admin(signed_in, persona):
    admin = signed_in("admin")
    academy = persona("admin").academy
    assert admin.get("/admin/webmail/institutionalsignature/add/").status_code == 200
    response = admin.post("/admin/webmail/institutionalsignature/add/", {
        "academy": academy.pk, "enabled": "on", "template": "{prenom} {nom}\n{academie}"})
    assert response.status_code == 302
    assert InstitutionalSignature.objects.get(academy=academy).template == "{prenom} {nom}\n{academie}"


def test_the_selection_survives_marking_read_or_flagged(lea, persona):
    lea_staff = persona("teacher_13")
    for n in range(3):
        sending.receive(f"From: a{n}@example.com\r\nSubject: choix {n}\r\n\r\nx\r\n".encode(), "", [lea_staff])
    inbox = Folder.objects.get(mailbox__staff=lea_staff, special="inbox")
    picked = list(Message.objects.filter(folder=inbox).order_by("pk").values_list("pk", flat=True)[:2])
    back = f"/messagerie/dossier/{inbox.pk}/?tri=objet"
    response = lea.post("/messagerie/lus/", {"ids": picked, "retour": back})
    assert response["Location"] == back + "&choix=" + "%2C".join(map(str, picked))
    page = text(lea.get(response["Location"]))
    checked = re.findall(r'name="ids" value="(\d+)" id="choix-\d+" checked', page)
    assert sorted(map(int, checked)) == picked
    again = lea.post("/messagerie/suivis/", {"ids": picked[:1], "retour": response["Location"]})
    assert again["Location"].count("choix=") == 1 and again["Location"].endswith(f"choix={picked[0]}")
    moved = lea.post("/messagerie/archiver/", {"ids": picked, "retour": back})
    assert moved["Location"] == back  # gone from the list: nothing to keep selected
    assert lea.post("/messagerie/lus/", {"ids": picked, "retour": "https://evil.example/"})["Location"] \
        .startswith("/messagerie/")


def test_the_academie_signature_has_a_locked_part_and_lines_the_person_writes(lea, persona):
    lea_staff = persona("teacher_13")
    InstitutionalSignature.objects.create(academy=lea_staff.academy,
                                          template="{prenom} {nom}\n{complement}\n{academie}")
    lea.post("/messagerie/reglages/signatures/complement/", {"complement": "Tél. 04 00 00 00 00\nLundi et jeudi"})
    page = text(lea.get("/messagerie/reglages/signatures/"))
    expected = f"{lea_staff.first_name} {lea_staff.last_name}\nTél. 04 00 00 00 00\nLundi et jeudi\n" \
               f"{lea_staff.academy.name}"
    assert expected in page
    too_long = lea.post("/messagerie/reglages/signatures/complement/", {"complement": "x" * 501}, follow=True)
    assert "Le complément fait 500 caractères au plus." in text(too_long)
    lea.post("/messagerie/ecrire/", {"to": HUGO, "subject": "Avec complément", "body": "Bonjour",
                                     "signature": "academie"})
    assert sent_body("Avec complément").rstrip().endswith(expected)
    # The person cannot change the locked part: it comes from the annuaire.
    lea.post("/messagerie/reglages/signatures/complement/", {"complement": "{nom} {academie}"})
    assert "{nom} {academie}" in text(lea.get("/messagerie/reglages/signatures/"))
