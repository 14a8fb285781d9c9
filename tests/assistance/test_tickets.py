"""Assistance through HTTP: filing, routing by profile, the agents' desk,
requests from people who cannot sign in."""

import html
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from calanque.academy.models import Staff, SupportTeam
from calanque.accounts.models import AccountSecurity
from calanque.assistance.models import RoutingRule, Ticket
from calanque.mail.models import Message
from tests.conftest import ready_account

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text(response) -> str:
    return html.unescape(response.content.decode())


def file_request(client, headers=None, **extra):
    data = {"category": "messagerie", "subject": "Je ne reçois plus de courrier", "body": "Depuis hier.",
            "urgency": "haute", "share_context": "on", "screen": "1920×1080",
            "files": [SimpleUploadedFile("capture.png", PNG, content_type="image/png")]}
    data.update(extra)
    return client.post("/assistance/nouvelle/", data, follow=True, **(headers or {}))


def test_a_primary_teacher_of_the_13_reaches_the_dsden_13_and_the_whole_cycle_works(signed_in, persona):
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    response = file_request(teacher, headers={"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Firefox/140.0"})
    page = text(response)
    assert "car vous êtes enseignant du premier degré dans le 13" in page
    ticket = Ticket.objects.get()
    assert ticket.team.name.startswith("DSDEN 13")
    assert ticket.technical_context["ecran"] == "1920×1080"
    assert ticket.technical_context["navigateur"] == "Firefox — Windows"

    assert ticket.subject in text(agent.get("/assistance/equipe/"))
    other_agent = signed_in("establishment_agent")
    assert ticket.subject not in text(other_agent.get("/assistance/equipe/"))
    assert other_agent.get(f"/assistance/equipe/demande/{ticket.pk}/").status_code == 404

    agent.post(f"/assistance/equipe/demande/{ticket.pk}/repondre/", {"body": "Vérifiez votre quota.", "internal": "on"})
    agent.post(f"/assistance/equipe/demande/{ticket.pk}/repondre/", {"body": "Votre boîte était pleine : videz la corbeille."})
    ticket.refresh_from_db()
    assert ticket.status == "attente" and ticket.first_response_at and ticket.assignee == persona("dsden13_agent")
    notice = Message.objects.get(mailbox__staff=persona("teacher_13"), content__subject__contains=ticket.reference)
    assert "videz la corbeille" in notice.content.preview
    requester_page = text(teacher.get(f"/assistance/demande/{ticket.pk}/"))
    assert "videz la corbeille" in requester_page and "Vérifiez votre quota" not in requester_page

    teacher.post(f"/assistance/demande/{ticket.pk}/repondre/", {"body": "Merci, c'est réglé."})
    assert Ticket.objects.get().status == "en_cours"
    agent.post(f"/assistance/equipe/demande/{ticket.pk}/etat/", {"status": "resolu"})
    Ticket.objects.update(resolved_at=timezone.now() - timedelta(days=8))
    call_command("worker", "--once")
    assert Ticket.objects.get().status == "clos"
    history = [e.text for e in Ticket.objects.get().events.all()]
    assert any("En cours → Résolu" in h for h in history) and any("Résolu → Clos" in h for h in history)

    screenshot = ticket.messages.first().files.get()
    download = teacher.get(f"/assistance/fichier/{screenshot.pk}/")
    assert download["Content-Disposition"] == 'attachment; filename="capture.png"' and download.content == PNG
    assert signed_in("secondary_teacher").get(f"/assistance/fichier/{screenshot.pk}/").status_code == 404


def test_second_degree_requests_go_to_the_establishment_team_or_the_rectorat(signed_in, persona):
    file_request(signed_in("secondary_teacher"))  # collège without its own team
    hugo_ticket = Ticket.objects.get(requester=persona("secondary_teacher"))
    assert hugo_ticket.team.kind == "rectorat" and "n'a pas d'équipe d'assistance" in hugo_ticket.routing_reason
    lycee_teacher = Staff.objects.filter(degree="second", establishment__support_team__isnull=False).exclude(
        identifier="sophie.lambert").first()
    client = Client()
    ready_account(lycee_teacher)
    client.force_login(lycee_teacher, backend="calanque.accounts.backends.StaffBackend")
    file_request(client)
    assert Ticket.objects.get(requester=lycee_teacher).team == lycee_teacher.establishment.support_team


def test_a_routing_rule_sends_every_otp_request_to_the_rectorat(signed_in, persona):
    lea = persona("teacher_13")
    RoutingRule.objects.create(academy=lea.academy, category="otp",
                               team=SupportTeam.objects.get(kind="rectorat"))
    file_request(signed_in("teacher_13"), category="otp")
    assert Ticket.objects.get().team.kind == "rectorat"


def test_a_refused_file_keeps_the_form_filled(signed_in):
    response = signed_in("teacher_13").post("/assistance/nouvelle/", {
        "category": "autre", "subject": "Titre gardé", "body": "Texte gardé", "urgency": "normale",
        "files": [SimpleUploadedFile("outil.exe", b"MZ\x90\x00\x03" + b"\x00" * 50)]})
    page = text(response)
    assert response.status_code == 400
    assert "seuls les images (PNG, JPEG, GIF), les PDF et les textes sont acceptés" in page
    assert 'value="Titre gardé"' in page and "Texte gardé" in page
    assert not Ticket.objects.exists()


def test_someone_who_lost_their_phone_gets_their_key_reset_after_an_identity_check(persona, signed_in, password,
                                                                                    deliver):
    lea = persona("teacher_13")
    ready_account(lea)
    form = {"identifier": "lea.garnier", "numen": "01D0000001DMO", "contact_email": "lea.perso@example.net",
            "category": "otp", "subject": "Téléphone perdu", "body": "Je n'ai plus mes codes."}
    wrong = {**form, "numen": "99Z9999999ZZZ", "subject": "Autre essai"}
    answers = [re.sub(r'value="[^"]*"', "", text(Client().post("/assistance/sans-connexion/", data)))
               for data in (form, wrong)]
    assert answers[0] == answers[1]
    right, mismatched = Ticket.objects.order_by("id")
    assert right.team.name.startswith("DSDEN 13") and right.identity_to_check
    assert right.numen_matches is True and mismatched.numen_matches is False
    assert "01D0000001DMO" not in str(Ticket.objects.values())  # the NUMEN is never stored

    agent = signed_in("dsden13_agent")
    page = text(agent.get(f"/assistance/equipe/demande/{right.pk}/"))
    assert "NUMEN concordant" in page and "Identité à vérifier" in page
    refused = agent.post(f"/assistance/equipe/demande/{right.pk}/reinitialiser-otp/", follow=True)
    assert "Vérifiez d'abord l'identité" in text(refused)
    agent.post(f"/assistance/equipe/demande/{right.pk}/identite-verifiee/")
    agent.post(f"/assistance/equipe/demande/{right.pk}/reinitialiser-otp/")
    assert AccountSecurity.objects.get(staff=lea).otp_key is None
    agent.post(f"/assistance/equipe/demande/{right.pk}/repondre/", {"body": "Votre clé est réinitialisée."})
    assert ["lea.perso@example.net"] in [m.to for m in deliver()]
    response = Client().post("/compte/connexion/", {"login": "lea.garnier", "password": password})
    assert response["Location"] == "/compte/bienvenue/cle-otp/"
    assert any("Clé OTP de lea.garnier réinitialisée" in e.text for e in right.events.all())


def test_the_assistance_is_in_the_navigation_and_reachable_without_signing_in(signed_in):
    assert 'href="/assistance/"' in text(signed_in("teacher_13").get("/"))
    assert "Demander de l'aide sans me connecter" in text(Client().get("/aide/connexion/"))


def test_an_incident_posted_by_the_dsden_13_shows_only_to_the_people_of_the_13(signed_in):
    agent = signed_in("dsden13_agent")
    response = agent.post("/assistance/equipe/incident/", {
        "title": "Messagerie perturbée ce matin", "text": "Les envois sont ralentis.",
        "ends_at": (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "Incident publié." in text(response)
    assert "Messagerie perturbée ce matin" in text(signed_in("teacher_13").get("/assistance/"))
    assert "Messagerie perturbée ce matin" not in text(signed_in("secondary_teacher").get("/assistance/"))


def test_the_assistance_page_shows_the_team_that_helps_me(signed_in):
    page = text(signed_in("teacher_13").get("/assistance/"))
    assert "Votre assistance : DSDEN 13 – Bouches-du-Rhône, du lundi au vendredi de 8 h à 17 h" in page


def test_the_knowledge_base_answers_in_french_and_counts_what_helps(signed_in):
    from calanque.assistance.models import Article

    client = signed_in("teacher_13")
    results = client.get("/assistance/aide/suggestions/", {"q": "je n'arrive pas à activer ma clé OTP"}).json()["results"]
    assert results[0]["title"] == "Activer ma clé OTP à la première connexion"
    page = text(client.get(results[0]["url"]))
    assert "<script" not in page.split("calanque-article")[1].split("</div>")[0]
    assert "FreeOTP ou Aegis" in page and "Cet article vous a-t-il aidé ?" in page
    client.post("/assistance/aide/activer-cle-otp/avis/", {"avis": "oui", "depuis": "demande"})
    article = Article.objects.get(slug="activer-cle-otp")
    assert (article.views, article.helpful_yes, article.requests_avoided) == (1, 1, 1)
    search = text(client.get("/assistance/aide/", {"q": "boite pleine"}))
    assert "Ma boîte aux lettres est pleine" in search
    assert Article.objects.filter(state="publie").count() >= 13


def test_article_markdown_is_sanitised(signed_in):
    from calanque.assistance.models import Article

    Article.objects.create(slug="piege", title="Piège", category="autre",
                           body="Texte <script>alert(1)</script> [lien](javascript:alert(2)) **gras**")
    page = signed_in("teacher_13").get("/assistance/aide/piege/").content.decode()
    body = page.split('class="calanque-article">')[1].split("</div>")[0]
    assert "<script" not in body and "javascript:" not in body and "<strong>gras</strong>" in body


def test_an_agent_lifts_a_lock_out_for_a_person_they_help(signed_in, persona, password):
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    file_request(teacher, category="connexion")
    for _ in range(7):
        Client().post("/compte/connexion/", {"login": "lea.garnier", "password": "faux"})
    assert "Trop de tentatives" in text(Client().post("/compte/connexion/", {"login": "lea.garnier",
                                                                            "password": password}))
    ticket = Ticket.objects.get()
    agent.post(f"/assistance/equipe/demande/{ticket.pk}/debloquer/")
    response = Client().post("/compte/connexion/", {"login": "lea.garnier", "password": password})
    assert response["Location"] == "/compte/connexion/code/"
    assert any("Blocage de connexion de lea.garnier levé" in e.text for e in ticket.events.all())
