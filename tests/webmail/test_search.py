"""Search in the webmail: every folder or one, filters (from, to, dates,
unread, attachment), pages, and the words found marked — escaped."""

import html
import re

import pytest

from calanque.mail import sending
from calanque.mail.models import Folder, Message

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def found(page) -> list[str]:
    return re.findall(r'class="calanque-open">(.*?)</a>', page)


@pytest.fixture
def lea(signed_in, persona):
    client = signed_in("teacher_13")
    lea_staff = persona("teacher_13")
    mails = [
        ("Jean Externe <jean@example.com>", "lea.garnier@ac-aix-marseille.fr", "Réunion des parents", "Date: Mon, 02 Nov 2026 10:00:00 +0100\r\n", ""),
        ("Marie <marie@example.org>", "lea.garnier@ac-aix-marseille.fr, hugo.bernard@ac-aix-marseille.fr",
         "Compte rendu de la réunion", "Date: Tue, 10 Nov 2026 10:00:00 +0100\r\n", ""),
        ("Paul <paul@example.net>", "lea.garnier@ac-aix-marseille.fr", "Réunions <script>x</script> de cycle",
         "Date: Fri, 20 Nov 2026 10:00:00 +0100\r\n", ""),
    ]
    for sender, to, subject, date, _ in mails:
        raw = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n{date}\r\nOrdre du jour.\r\n".encode()
        sending.receive(raw, "", [lea_staff])
    return client


def test_search_filters_by_sender_recipient_dates_folder_and_unread(lea, persona):
    assert len(found(text(lea.get("/messagerie/recherche/", {"q": "reunion"})))) == 3
    assert found(text(lea.get("/messagerie/recherche/", {"q": "reunion", "de": "marie@example.org"}))) \
        == ["Compte rendu de la <mark>réunion</mark>"]
    assert len(found(text(lea.get("/messagerie/recherche/", {"q": "reunion", "de": "Jean Externe"})))) == 1
    assert len(found(text(lea.get("/messagerie/recherche/", {"q": "reunion", "a": "hugo.bernard"})))) == 1
    dated = found(text(lea.get("/messagerie/recherche/", {"q": "reunion", "du": "2026-11-05", "au": "2026-11-10"})))
    assert dated == ["Compte rendu de la <mark>réunion</mark>"]  # the end day is included
    message = Message.objects.get(mailbox__staff__identifier="lea.garnier", content__subject="Réunion des parents")
    archive = Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="archive")
    lea.post("/messagerie/deplacer/", {"ids": [message.pk], "dossier": archive.pk})
    in_archive = found(text(lea.get("/messagerie/recherche/", {"q": "reunion", "dossier": archive.pk})))
    assert in_archive == ["<mark>Réunion</mark> des parents"]
    lea.get(f"/messagerie/message/{message.pk}/")
    assert len(found(text(lea.get("/messagerie/recherche/", {"q": "reunion", "non_lus": "on"})))) == 2


def test_search_marks_words_and_escapes_everything_else(lea):
    page = lea.get("/messagerie/recherche/", {"q": "réunions"}).content.decode()
    assert "<mark>Réunions</mark> &lt;script&gt;x&lt;/script&gt; de cycle" in page
    assert "<script>x</script>" not in page


def test_search_pages_and_bad_input(lea, persona):
    lea_staff = persona("teacher_13")
    lea.post("/messagerie/reglages/affichage/", {"undo_seconds": "10", "per_page": "25", "remote_images": "demander"})
    for n in range(30):
        sending.receive(f"From: a{n}@example.com\r\nSubject: sortie {n}\r\n\r\nx\r\n".encode(), "", [lea_staff])
    first = text(lea.get("/messagerie/recherche/", {"q": "sortie"}))
    assert "30 messages trouvés" in first and len(found(first)) == 25 and "1 / 2" in first
    second = text(lea.get("/messagerie/recherche/", {"q": "sortie", "page": "2"}))
    assert len(found(second)) == 5 and "page=1" in second
    past_the_end = text(lea.get("/messagerie/recherche/", {"q": "sortie", "page": "9"}))
    assert "30 messages trouvés" in past_the_end and len(found(past_the_end)) == 5 and "2 / 2" in past_the_end
    nothing = text(lea.get("/messagerie/recherche/", {"q": "ornithorynque", "page": "3"}))
    assert re.search(r"\b0 messages? trouvés?", nothing) and not found(nothing)
    bad = lea.get("/messagerie/recherche/", {"q": "sortie", "du": "2026-12-01", "au": "2026-11-01"})
    assert bad.status_code == 400 and "La date de fin doit suivre la date de début." in text(bad)
    assert lea.get("/messagerie/recherche/", {"q": "sortie", "du": "pas une date"}).status_code == 400
    assert lea.get("/messagerie/recherche/", {"q": "sortie", "dossier": "999999"}).status_code == 400
    assert "Écrivez un ou plusieurs mots" in text(lea.get("/messagerie/recherche/"))


def test_search_never_reaches_another_mailbox_s_folder(lea, signed_in):
    hugo = signed_in("secondary_teacher")
    lea_inbox = Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="inbox")
    response = hugo.get("/messagerie/recherche/", {"q": "reunion", "dossier": lea_inbox.pk})
    assert response.status_code == 400 and not found(text(response))
