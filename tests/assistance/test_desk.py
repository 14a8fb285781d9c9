"""The agents' desk through HTTP: service levels in business hours, canned
answers, the dashboard, team and agent notifications, help articles written
by editors, and the queue's filters, sort and search."""

import html
import re
from datetime import date, datetime, time

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from calanque.academy.models import Staff, SupportTeam
from calanque.assistance.hours import PARIS, Calendar, easter, french_public_holidays
from calanque.assistance.models import (
    AgentPreferences,
    Article,
    CannedAnswer,
    ClosedDay,
    DeskSettings,
    OpeningHours,
    ServiceLevel,
    Ticket,
)
from calanque.mail.models import Message
from tests.conftest import ready_account

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def at(clock, moment: datetime) -> None:
    clock.t = moment.timestamp()


def file(client, subject="Je ne reçois plus de courrier", **extra) -> Ticket:
    data = {"category": "messagerie", "subject": subject, "body": "Depuis hier.", "urgency": "normale"}
    data.update(extra)
    response = client.post("/assistance/nouvelle/", data)
    assert response.status_code == 302, text(response)
    return Ticket.objects.get(subject=subject)


@pytest.fixture
def again(persona):
    """again("teacher_13") → a fresh session for a persona already through
    the first sign-in: moving the clock by hours ends idle sessions."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(persona(role), backend="calanque.accounts.backends.StaffBackend")
        return client

    return make


def dsden13():
    return SupportTeam.objects.get(kind="dsden", department__code="13")


# --- Business hours and service levels ------------------------------------------------------

def test_french_public_holidays_are_computed_with_easter():
    assert [easter(y) for y in (2024, 2026, 2027)] == [date(2024, 3, 31), date(2026, 4, 5), date(2027, 3, 28)]
    days = french_public_holidays(2026)
    assert len(days) == 11
    assert days[date(2026, 4, 6)] == "Lundi de Pâques"
    assert days[date(2026, 5, 14)] == "Ascension" and days[date(2026, 5, 25)] == "Lundi de Pentecôte"
    assert date(2026, 7, 14) in days and date(2026, 11, 11) in days


def test_business_time_skips_nights_weekends_holidays_and_follows_summer_time():
    calendar = Calendar()
    # Thursday 24 December, 16 h + 8 business hours: 1 h on Thursday, Christmas, the week-end, then Monday.
    assert calendar.add(paris(2026, 12, 24, 16), 8 * 3600) == paris(2026, 12, 28, 15)
    # Across the change to summer time (29 March 2026): still 9 h on Monday morning, Paris time.
    due = calendar.add(paris(2026, 3, 27, 16), 2 * 3600)
    assert due.astimezone(PARIS).replace(tzinfo=None) == datetime(2026, 3, 30, 9)
    assert calendar.between(paris(2026, 12, 24, 16), paris(2026, 12, 28, 15)) == 8 * 3600
    # An académie open on Saturday mornings only, closed on a chosen Saturday.
    saturdays = Calendar(hours={5: [(time(9), time(12))]}, closed={date(2026, 11, 28)})
    assert saturdays.add(paris(2026, 11, 27, 10), 4 * 3600) == paris(2026, 12, 12, 10)
    assert Calendar(hours={}).add(paris(2026, 11, 27, 10), 3600) is None


def test_deadlines_follow_the_academys_settings_and_breaches_show_in_queue_ticket_and_dashboard(
        signed_in, persona, clock, again):
    at(clock, paris(2026, 11, 27, 15))  # a Friday
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    urgent = file(teacher, "Plus d'accès à la messagerie", urgency="haute")
    # Default: 4 business hours to answer, 16 to resolve (Monday–Friday, 8 h–17 h).
    assert urgent.first_response_due == paris(2026, 11, 30, 10)
    assert urgent.resolution_due == paris(2026, 12, 1, 13)

    settings = DeskSettings.objects.create(academy=persona("teacher_13").academy)
    ServiceLevel.objects.create(settings=settings, urgency="normale", first_response_hours=2, resolution_hours=30)
    OpeningHours.objects.create(settings=settings, weekday=0, opens=time(9), closes=time(12))
    OpeningHours.objects.create(settings=settings, weekday=0, opens=time(14), closes=time(18))
    ClosedDay.objects.create(settings=settings, day=date(2026, 11, 30), name="Pont")
    normal = file(teacher, "Question sur les dossiers")
    # Only Mondays are open now, and Monday 30 is closed: Monday 7 December, 9 h + 2 h.
    assert normal.first_response_due == paris(2026, 12, 7, 11)

    at(clock, paris(2026, 11, 30, 12))  # Monday noon: the urgent request has had no answer
    agent = again("dsden13_agent")
    queue = text(agent.get("/assistance/equipe/", {"retard": "1"}))
    assert "Plus d'accès à la messagerie" in queue and "Question sur les dossiers" not in queue
    assert "SLA dépassé" in queue
    page = text(agent.get(f"/assistance/equipe/demande/{urgent.pk}/"))
    assert "SLA dépassé" in page and "Première réponse attendue avant lundi 30 novembre, 10:00" in page
    calm = text(agent.get(f"/assistance/equipe/demande/{normal.pk}/"))
    assert "SLA dépassé" not in calm
    board = agent.get("/assistance/equipe/tableau-de-bord/")
    row = text(board).split("DSDEN 13 – Bouches-du-Rhône</a></th>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    # Nouveau, En cours, En attente, Résolu, Clos, new this week, late open, late in the period, medians.
    assert cells[:8] == ["2", "0", "0", "0", "0", "0", "1", "1"]  # filed last week

    agent.post(f"/assistance/equipe/demande/{urgent.pk}/repondre/", {"body": "Nous regardons."})
    urgent.refresh_from_db()
    assert urgent.first_response_late(urgent.first_response_at)  # answered, but too late: still counted
    assert "Plus d'accès à la messagerie" in text(agent.get("/assistance/equipe/", {"retard": "1"}))


def test_the_resolution_clock_stops_while_waiting_for_the_requester(signed_in, clock, again):
    at(clock, paris(2026, 11, 23, 9))  # Monday 9 h
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    ticket = file(teacher, urgency="haute")
    assert ticket.resolution_due == paris(2026, 11, 24, 16)  # 16 business hours
    at(clock, paris(2026, 11, 23, 10))
    agent = again("dsden13_agent")
    agent.post(f"/assistance/equipe/demande/{ticket.pk}/repondre/", {"body": "Pouvez-vous préciser ?"})
    at(clock, paris(2026, 11, 25, 10))  # two business days later, the requester answers
    teacher, agent = again("teacher_13"), again("dsden13_agent")
    ticket.refresh_from_db()
    assert ticket.status == "attente" and not ticket.sla_breached(paris(2026, 11, 25, 10))
    assert "Pouvez-vous" in text(teacher.get(f"/assistance/demande/{ticket.pk}/"))
    teacher.post(f"/assistance/demande/{ticket.pk}/repondre/", {"body": "Voici les détails."})
    ticket.refresh_from_db()
    # 18 business hours waited (Monday 10 h → Wednesday 10 h) move the deadline by as much.
    assert ticket.status == "en_cours" and ticket.sla_paused_at is None
    assert ticket.resolution_due == paris(2026, 11, 26, 16)
    assert not ticket.sla_breached(paris(2026, 11, 25, 11))
    assert "Pouvez-vous préciser ?" not in text(agent.get("/assistance/equipe/", {"retard": "1"}))

    # The agent corrects the urgency: deadlines from the filing, the wait still counted.
    response = agent.post(f"/assistance/equipe/demande/{ticket.pk}/urgence/", {"urgency": "basse"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.urgency == "basse"
    assert (ticket.first_response_due, ticket.resolution_due) == (paris(2026, 11, 24, 16), paris(2026, 12, 7, 17))
    assert "Urgence : Bloquant pour mon travail → Peut attendre (échéances recalculées)" in text(response)
    refused = agent.post(f"/assistance/equipe/demande/{ticket.pk}/urgence/", {"urgency": "extrême"}, follow=True)
    assert "Urgence inconnue." in text(refused) and Ticket.objects.get(pk=ticket.pk).urgency == "basse"


def test_a_request_answered_in_time_but_not_resolved_in_time_is_late(signed_in, clock, again):
    at(clock, paris(2026, 11, 23, 9))  # Monday 9 h
    teacher = signed_in("teacher_13")
    slow, quick = file(teacher, "Résolue trop tard", urgency="haute"), file(teacher, "Résolue à temps")
    at(clock, paris(2026, 11, 23, 10))
    agent = signed_in("dsden13_agent")
    agent.post(f"/assistance/equipe/demande/{slow.pk}/repondre/", {"body": "Nous regardons."})
    agent.post(f"/assistance/equipe/demande/{slow.pk}/etat/", {"status": "en_cours"})
    agent.post(f"/assistance/equipe/demande/{quick.pk}/repondre/", {"body": "C'est réglé."})
    agent.post(f"/assistance/equipe/demande/{quick.pk}/etat/", {"status": "resolu"})
    at(clock, paris(2026, 11, 25, 9))  # Wednesday: 16 business hours are over
    agent = again("dsden13_agent")
    late = text(agent.get("/assistance/equipe/", {"retard": "1"}))
    assert "Résolue trop tard" in late and "Résolue à temps" not in late
    agent.post(f"/assistance/equipe/demande/{slow.pk}/etat/", {"status": "resolu"})
    late = text(agent.get("/assistance/equipe/", {"retard": "1", "etat": "toutes"}))
    assert "Résolue trop tard" in late and "Résolue à temps" not in late
    assert "Résolue trop tard" not in text(agent.get("/assistance/equipe/", {"retard": "1"}))  # no longer open


def test_an_administrator_sets_hours_closed_days_and_service_levels_in_the_admin(signed_in, persona, clock,
                                                                                  again):
    admin = signed_in("admin")
    academy = persona("admin").academy
    form = {"academy": academy.pk, "public_holidays": "on", "close_after_days": "7"}
    for prefix, rows in (
            ("opening_hours", [{"weekday": "0", "opens": "09:00", "closes": "12:00"},
                               {"weekday": "1", "opens": "09:00", "closes": "12:00"}]),
            ("closed_days", [{"day": "2026-11-30", "name": "Pont"}]),
            ("service_levels", [{"urgency": "haute", "first_response_hours": "1", "resolution_hours": "3"}])):
        form.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for n, row in enumerate(rows):
            form.update({f"{prefix}-{n}-{k}": v for k, v in row.items()})
    response = admin.post("/admin/assistance/desksettings/add/", form)
    assert response.status_code == 302, text(response)[:3000]
    at(clock, paris(2026, 11, 27, 11))  # Friday: closed under these settings
    ticket = file(signed_in("teacher_13"), urgency="haute")
    # Monday 30 is closed; Tuesday 9 h–12 h: 1 h to answer, 3 h to resolve.
    assert (ticket.first_response_due, ticket.resolution_due) == (paris(2026, 12, 1, 10), paris(2026, 12, 1, 12))
    DeskSettings.objects.all().delete()
    wrong = again("admin").post("/admin/assistance/desksettings/add/", {**form, "opening_hours-0-opens": "13:00"})
    assert wrong.status_code == 200 and not DeskSettings.objects.exists()
    assert "L'heure d'ouverture doit précéder l'heure de fermeture." in text(wrong)
    assert signed_in("dsden13_agent").get("/admin/assistance/desksettings/add/").status_code in (302, 403, 404)


# --- Canned answers ------------------------------------------------------------------------------

def test_agents_manage_their_teams_canned_answers_and_insert_them_without_javascript(signed_in, persona):
    agent = signed_in("dsden13_agent")
    response = agent.post("/assistance/equipe/reponses-types/", {
        "team": dsden13().pk, "title": "Boîte pleine",
        "body": "Bonjour {prenom},\n\nVotre boîte est pleine ({reference}). {inconnu}\n\n{agent}, {equipe}"})
    assert response.status_code == 302
    answer = CannedAnswer.objects.get()
    assert answer.team == dsden13() and answer.updated_by == persona("dsden13_agent")
    listing = text(agent.get("/assistance/equipe/reponses-types/"))
    assert "Boîte pleine" in listing

    ticket = file(signed_in("teacher_13"))
    page = text(agent.get(f"/assistance/equipe/demande/{ticket.pk}/"))
    filled = f"Bonjour Léa,\n\nVotre boîte est pleine ({ticket.reference}). {{inconnu}}\n\nJulien Morel, DSDEN 13"
    assert "Boîte pleine</option>" in page and filled in page  # in a <template> for the script

    before = Message.objects.count()
    inserted = agent.post(f"/assistance/equipe/demande/{ticket.pk}/repondre/", {
        "body": "Premier paragraphe tapé.", "reponse_type": answer.pk, "inserer": "1", "internal": "on"})
    page = text(inserted)
    assert inserted.status_code == 200
    textarea = page.split('name="body"')[1].split("</textarea>")[0]
    assert "Premier paragraphe tapé.\n\nBonjour Léa," in textarea and "autofocus" in textarea.split(">")[0]
    assert 'id="id_internal" checked' in page
    assert ticket.messages.count() == 1 and Message.objects.count() == before  # nothing sent

    Client().post("/assistance/sans-connexion/", {
        "identifier": "lea.garnier", "numen": "99Z9999999ZZZ", "contact_email": "inconnu@example.net",
        "category": "messagerie", "subject": "Sans connexion", "body": "Aidez-moi."})
    anonymous = Ticket.objects.get(subject="Sans connexion")
    page = text(agent.get(f"/assistance/equipe/demande/{anonymous.pk}/"))
    assert f"Bonjour,\n\nVotre boîte est pleine ({anonymous.reference})." in page and "Léa" not in page

    missing = agent.post(f"/assistance/equipe/demande/{ticket.pk}/repondre/", {
        "body": "", "reponse_type": "", "inserer": "1"})
    assert "Choisissez une réponse type." in text(missing)

    # Another team neither sees nor changes it.
    other = signed_in("establishment_agent")
    assert "Boîte pleine" not in text(other.get("/assistance/equipe/reponses-types/"))
    assert other.get(f"/assistance/equipe/reponses-types/{answer.pk}/").status_code == 404
    assert other.post(f"/assistance/equipe/reponses-types/{answer.pk}/supprimer/").status_code == 404
    assert signed_in("teacher_13").get("/assistance/equipe/reponses-types/").status_code == 404

    agent.post(f"/assistance/equipe/reponses-types/{answer.pk}/", {
        "team": dsden13().pk, "title": "Boîte pleine (mise à jour)", "body": "Bonjour {prenom}, videz la corbeille."})
    assert CannedAnswer.objects.get().title == "Boîte pleine (mise à jour)"
    agent.post(f"/assistance/equipe/reponses-types/{answer.pk}/supprimer/")
    assert not CannedAnswer.objects.exists()


def test_academy_wide_canned_answers_are_for_editors_and_reach_every_team(signed_in, persona):
    agent = signed_in("dsden13_agent")
    refused = agent.post("/assistance/equipe/reponses-types/", {"team": "", "title": "Hameçonnage", "body": "…"})
    assert refused.status_code == 400 and not CannedAnswer.objects.exists()
    empty = agent.post("/assistance/equipe/reponses-types/", {"team": dsden13().pk, "title": "", "body": ""})
    assert "Donnez un titre à la réponse type." in text(empty)
    persona("dsden13_agent").groups.add(Group.objects.get(name="Rédacteurs de l'aide"))
    agent.post("/assistance/equipe/reponses-types/", {
        "team": "", "title": "Hameçonnage", "body": "Nous ne demandons jamais votre mot de passe."})
    assert CannedAnswer.objects.get().team is None
    hugo_ticket = file(signed_in("secondary_teacher"), "Un message étrange")  # handled by the Rectorat
    rectorat = signed_in("rectorat_agent")
    page = text(rectorat.get(f"/assistance/equipe/demande/{hugo_ticket.pk}/"))
    assert "Hameçonnage (académie)</option>" in page
    shared = CannedAnswer.objects.get()
    assert rectorat.get(f"/assistance/equipe/reponses-types/{shared.pk}/").status_code == 404  # not an editor
    assert rectorat.post(f"/assistance/equipe/reponses-types/{shared.pk}/supprimer/").status_code == 404
    assert agent.get(f"/assistance/equipe/reponses-types/{shared.pk}/").status_code == 200


# --- Dashboard ------------------------------------------------------------------------------------

def test_the_dashboard_counts_per_team_with_a_chart_and_its_table(signed_in, clock, again):
    at(clock, paris(2026, 11, 24, 9))  # Tuesday 9 h
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    first = file(teacher, "Première", category="otp")
    file(teacher, "Deuxième", category="otp")
    third = file(teacher, "Troisième", category="annuaire")
    at(clock, paris(2026, 11, 24, 11))
    agent = again("dsden13_agent")
    agent.post(f"/assistance/equipe/demande/{first.pk}/repondre/", {"body": "Réponse."})  # 2 h
    at(clock, paris(2026, 11, 24, 15))
    agent = again("dsden13_agent")
    agent.post(f"/assistance/equipe/demande/{third.pk}/repondre/", {"body": "Réponse."})  # 6 h
    agent.post(f"/assistance/equipe/demande/{third.pk}/etat/", {"status": "resolu"})
    file(signed_in("secondary_teacher"), "Au Rectorat")
    agent = again("dsden13_agent")

    page = text(agent.get("/assistance/equipe/tableau-de-bord/"))
    assert "Au Rectorat" not in page and "Rectorat –" not in page  # only the agent's teams
    row = page.split("DSDEN 13 – Bouches-du-Rhône</a></th>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells == ["1", "0", "1", "1", "0", "3", "0", "0", "4,0 h ouvrées", "6,0 h ouvrées"]
    assert 'role="img"' in page and "<title id=\"graphique-categories-titre\">" in page
    categories = page.split("<caption>Demandes des 8 dernières semaines par catégorie</caption>")[1]
    assert "<th scope=\"row\">Clé OTP</th><td>2</td>" in categories
    assert "<th scope=\"row\">Annuaire</th><td>1</td>" in categories
    weeks = page.split("<caption>Demandes créées et résolues par semaine</caption>")[1]
    assert "<th scope=\"row\">semaine du 23/11</th><td>3</td><td>1</td>" in weeks
    assert page.count("<rect ") == 8 * 2 + 6

    admin_page = text(signed_in("admin").get("/assistance/equipe/tableau-de-bord/"))
    assert "Rectorat –" in admin_page and "DSDEN 84" in admin_page
    teams = admin_page.split("<caption>Demandes ouvertes par équipe</caption>")[1]
    assert "<th scope=\"row\">DSDEN 13 – Bouches-du-Rhône</th><td>2</td><td>0</td>" in teams
    assert "<th scope=\"row\">DSDEN 84 – Vaucluse</th><td>0</td><td>0</td>" in teams
    one = text(signed_in("admin").get("/assistance/equipe/tableau-de-bord/", {"equipe": dsden13().pk}))
    weeks = one.split("<caption>Demandes créées et résolues par semaine</caption>")[1]
    assert "<th scope=\"row\">semaine du 23/11</th><td>3</td><td>1</td>" in weeks  # not the Rectorat's
    assert signed_in("teacher_13").get("/assistance/equipe/tableau-de-bord/").status_code == 404
    # One team chosen; an unknown one falls back to all the agent's teams.
    assert agent.get("/assistance/equipe/tableau-de-bord/", {"equipe": "x"}).status_code == 200


# --- Notifications --------------------------------------------------------------------------------

def test_the_team_chooses_how_it_hears_of_new_requests_and_agents_can_opt_out(signed_in, persona, deliver):
    team = dsden13()
    colleague = Staff.objects.filter(academy=team.academy, is_active=True).exclude(
        pk__in=team.members.all()).exclude(identifier__in=["lea.garnier"]).first()
    team.members.add(colleague)
    agent, teacher = signed_in("dsden13_agent"), signed_in("teacher_13")
    julien = persona("dsden13_agent")

    def told(person, ticket) -> bool:
        return Message.objects.filter(mailbox__staff=person, content__subject__contains=ticket.reference).exists()

    first = file(teacher, "À chaque agent")  # by default, each agent of the team
    assert told(julien, first) and told(colleague, first)
    assert "Nouvelle demande pour DSDEN 13" in Message.objects.get(
        mailbox__staff=colleague, content__subject__contains=first.reference).content.preview

    agent.post("/assistance/equipe/preferences/", {"requester_replies": "on"})  # new requests unticked
    assert AgentPreferences.objects.get(staff=julien).new_requests is False
    second = file(teacher, "Sans Julien")
    assert not told(julien, second) and told(colleague, second)

    form = f"equipe-{team.pk}-"
    refused = agent.post("/assistance/equipe/preferences/", {
        "equipe": team.pk, form + "mode": "adresse", form + "address": team.email.upper()})
    assert refused.status_code == 400 and "Cette adresse reçoit les demandes" in text(refused)
    missing = agent.post("/assistance/equipe/preferences/", {"equipe": team.pk, form + "mode": "adresse"})
    assert "Indiquez l'adresse à prévenir." in text(missing)
    assert 'id="id_requester_replies" checked' in text(missing)  # the agent's own choices shown as saved
    response = agent.post("/assistance/equipe/preferences/", {
        "equipe": team.pk, form + "mode": "adresse", form + "address": "dsden13-equipe@example.net"})
    assert response.status_code == 302
    third = file(teacher, "À l'adresse de l'équipe")
    assert [m.to for m in deliver() if third.reference in m.subject] == [["dsden13-equipe@example.net"]]
    assert not told(colleague, third)

    agent.post("/assistance/equipe/preferences/", {"equipe": team.pk, form + "mode": "aucune"})
    fourth = file(teacher, "Personne")
    assert not Message.objects.filter(content__subject__contains=fourth.reference).exists()
    assert not [m for m in deliver() if fourth.reference in m.subject]
    assert "Choisissez une des options proposées." in text(agent.post(
        "/assistance/equipe/preferences/", {"equipe": team.pk, form + "mode": "partout"}))
    other_team = SupportTeam.objects.get(kind="rectorat")
    assert agent.post("/assistance/equipe/preferences/", {"equipe": other_team.pk, form + "mode": "aucune"}
                      ).status_code == 404
    page = text(agent.get("/assistance/equipe/preferences/"))
    assert re.search(r'value="aucune"[^>]*checked', page) and not re.search(r'value="agents"[^>]*checked', page)


def test_the_assigned_agent_hears_of_the_requesters_answer_unless_they_opted_out(signed_in, persona):
    agent, teacher = signed_in("dsden13_agent"), signed_in("teacher_13")
    julien = persona("dsden13_agent")
    ticket = file(teacher)
    agent.post(f"/assistance/equipe/demande/{ticket.pk}/repondre/", {"body": "Une question : quel navigateur ?"})
    teacher.post(f"/assistance/demande/{ticket.pk}/repondre/", {"body": "Firefox, à jour."})
    notice = Message.objects.get(mailbox__staff=julien, content__subject__startswith="Réponse de l'usager")
    assert ticket.reference in notice.content.subject and "Firefox, à jour." in notice.content.preview
    agent.post("/assistance/equipe/preferences/", {"new_requests": "on"})  # replies unticked
    teacher.post(f"/assistance/demande/{ticket.pk}/repondre/", {"body": "Encore moi."})
    assert Message.objects.filter(mailbox__staff=julien, content__subject__startswith="Réponse de l'usager"
                                  ).count() == 1


# --- Help articles written from the desk ---------------------------------------------------------------

def test_editors_write_preview_and_publish_help_articles_from_the_desk(signed_in, persona):
    agent = signed_in("dsden13_agent")
    assert agent.get("/assistance/equipe/articles/").status_code == 404
    assert "Articles d'aide" not in text(agent.get("/assistance/equipe/"))
    persona("dsden13_agent").groups.add(Group.objects.get(name="Rédacteurs de l'aide"))
    assert "Activer ma clé OTP" in text(agent.get("/assistance/equipe/articles/"))

    draft = {"title": "Changer de téléphone", "category": "otp", "state": "brouillon",
             "body": "## Avant\n\nGardez **vos codes**. <script>alert(1)</script> [x](javascript:alert(2))"}
    preview = agent.post("/assistance/equipe/articles/nouveau/", {**draft, "previsualiser": "1"})
    page = preview.content.decode()
    shown = page.split('class="calanque-article">')[1].split("</div>")[0]
    assert "<h2>Avant</h2>" in shown and "<strong>vos codes</strong>" in shown
    assert "<script" not in shown and "javascript:" not in shown
    assert not Article.objects.filter(title="Changer de téléphone").exists()  # a preview saves nothing

    agent.post("/assistance/equipe/articles/nouveau/", draft)
    article = Article.objects.get(title="Changer de téléphone")
    assert article.state == "brouillon" and article.slug == "changer-de-telephone"
    reader = signed_in("teacher_13")
    assert reader.get(f"/assistance/aide/{article.slug}/").status_code == 404
    assert "Changer de téléphone" not in text(reader.get("/assistance/aide/"))

    response = agent.post(f"/assistance/equipe/articles/{article.pk}/", {**draft, "state": "publie"}, follow=True)
    assert "Article publié." in text(response)
    assert "Changer de téléphone" in text(reader.get("/assistance/aide/"))
    assert "<strong>vos codes</strong>" in reader.get(f"/assistance/aide/{article.slug}/").content.decode()
    agent.post("/assistance/equipe/articles/nouveau/", draft)  # same title: its own address
    assert Article.objects.filter(slug="changer-de-telephone-2").exists()
    bad = agent.post("/assistance/equipe/articles/nouveau/", {**draft, "title": "", "state": "autre"})
    assert bad.status_code == 400 and "Donnez un titre à l'article." in text(bad)
    assert signed_in("teacher_13").get("/assistance/equipe/articles/nouveau/").status_code == 404


# --- Queue: filters, sort, search ------------------------------------------------------------------

def test_the_queue_filters_sorts_and_searches(signed_in, persona, clock, again):
    at(clock, paris(2026, 11, 23, 9))
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    otp = file(teacher, "Clé perdue", category="otp", urgency="haute")
    at(clock, paris(2026, 11, 23, 10))
    teacher = again("teacher_13")
    quota = file(teacher, "Boîte saturée", category="boite_pleine", urgency="basse")
    at(clock, paris(2026, 11, 23, 11))
    agent = again("dsden13_agent")
    other = Staff.objects.filter(degree="premier", establishment__department__code="13").exclude(
        identifier="lea.garnier").first()
    ready_account(other)
    client = Client()
    client.force_login(other, backend="calanque.accounts.backends.StaffBackend")
    directory = file(client, "Annuaire incomplet", category="annuaire")
    agent.post(f"/assistance/equipe/demande/{quota.pk}/prendre/")
    agent.post(f"/assistance/equipe/demande/{directory.pk}/etat/", {"status": "resolu"})

    def shown(**params) -> list[str]:
        page = text(agent.get("/assistance/equipe/", params))
        found = [s for s in ("Clé perdue", "Boîte saturée", "Annuaire incomplet") if f">{s}</a>" in page]
        return sorted(found, key=lambda s: page.index(f">{s}</a>"))

    assert shown() == ["Boîte saturée", "Clé perdue"]  # open ones, last updated first
    assert shown(etat="toutes", tri="anciennes") == ["Clé perdue", "Boîte saturée", "Annuaire incomplet"]
    assert shown(etat="resolu") == ["Annuaire incomplet"]
    assert shown(etat="toutes", categorie="otp") == ["Clé perdue"]
    assert shown(etat="toutes", urgence="basse") == ["Boîte saturée"]
    assert shown(moi="1") == ["Boîte saturée"]
    assert shown(libres="1") == ["Clé perdue"]
    assert shown(etat="toutes", tri="urgence") == ["Clé perdue", "Annuaire incomplet", "Boîte saturée"]
    assert shown(tri="echeance") == ["Clé perdue", "Boîte saturée"]
    assert shown(etat="toutes", q="saturée") == ["Boîte saturée"]
    assert shown(etat="toutes", q=other.last_name) == ["Annuaire incomplet"]
    assert shown(etat="toutes", q=otp.reference.lower()) == ["Clé perdue"]
    assert shown(etat="toutes", q=str(quota.pk)) == ["Boîte saturée"]
    at(clock, paris(2026, 11, 23, 14))  # the urgent one had 4 h to get an answer
    agent = again("dsden13_agent")
    assert shown(retard="1") == ["Clé perdue"]
    # Nonsense in the address never breaks the page; the sound filters still apply.
    response = agent.get("/assistance/equipe/", {"etat": "n'importe", "categorie": "<x>", "tri": "x",
                                                 "q": "a" * 500 + "\x00", "urgence": "haute"})
    assert response.status_code == 200
    assert shown(etat="zzz", urgence="haute") == ["Clé perdue"]


def test_resolved_requests_close_after_the_academys_number_of_days(signed_in, persona, clock, again):
    from django.core.management import call_command

    at(clock, paris(2026, 11, 23, 9))
    ticket = file(signed_in("teacher_13"))
    signed_in("dsden13_agent").post(f"/assistance/equipe/demande/{ticket.pk}/etat/", {"status": "resolu"})
    at(clock, paris(2026, 11, 25, 10))
    call_command("worker", "--once")
    assert Ticket.objects.get(pk=ticket.pk).status == "resolu"  # 7 days by default
    DeskSettings.objects.create(academy=persona("teacher_13").academy, close_after_days=2)
    call_command("worker", "--once")
    assert Ticket.objects.get(pk=ticket.pk).status == "clos"
    assert "Résolu → Clos" in text(again("dsden13_agent").get(f"/assistance/equipe/demande/{ticket.pk}/"))


def test_the_queue_sorts_by_the_deadline_the_team_works_against(signed_in, clock):
    at(clock, paris(2026, 11, 23, 9))
    teacher, agent = signed_in("teacher_13"), signed_in("dsden13_agent")
    answered = file(teacher, "Bloquant déjà répondu", urgency="haute")  # resolution due Tuesday 16 h
    file(teacher, "Normale sans réponse")  # first response due Monday 17 h, resolution on Friday
    agent.post(f"/assistance/equipe/demande/{answered.pk}/repondre/", {"body": "Nous regardons."})
    agent.post(f"/assistance/equipe/demande/{answered.pk}/etat/", {"status": "en_cours"})
    page = text(agent.get("/assistance/equipe/", {"tri": "echeance"}))
    assert page.index(">Normale sans réponse</a>") < page.index(">Bloquant déjà répondu</a>")
    assert '23 novembre 17:00 <span class="fr-text--xs">(1re réponse)</span>' in page
    assert "24 novembre 16:00</td>" in page


def test_an_agent_assigns_a_request_to_a_colleague_of_the_team_only(signed_in, persona):
    team = dsden13()
    colleague = Staff.objects.filter(academy=team.academy, is_active=True, degree="administration").exclude(
        pk__in=team.members.all()).first()
    team.members.add(colleague)
    agent = signed_in("dsden13_agent")
    ticket = file(signed_in("teacher_13"))
    assert colleague.get_full_name() in text(agent.get(f"/assistance/equipe/demande/{ticket.pk}/"))
    agent.post(f"/assistance/equipe/demande/{ticket.pk}/attribuer/", {"agent": colleague.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == colleague and ticket.status == "en_cours"
    assert any(f"Attribuée à {colleague.get_full_name()}" in e.text for e in ticket.events.all())
    outsider = persona("rectorat_agent")
    for wrong in (outsider.pk, "abc", "²", ""):
        page = text(agent.post(f"/assistance/equipe/demande/{ticket.pk}/attribuer/", {"agent": wrong}, follow=True))
        assert "Choisissez un agent de l'équipe." in page
    assert Ticket.objects.get(pk=ticket.pk).assignee == colleague
    reassigned = agent.post(f"/assistance/equipe/demande/{ticket.pk}/reorienter/", {"team": "x", "reason": "r"},
                            follow=True)
    assert "Choisissez une équipe et indiquez la raison." in text(reassigned)


def test_the_admin_refuses_a_team_notice_sent_to_the_address_that_receives_requests(signed_in):
    team = dsden13()
    response = signed_in("admin").post("/admin/assistance/teamsettings/add/", {
        "team": team.pk, "new_request_notice": "adresse", "address": team.email})
    assert response.status_code == 200 and "Cette adresse reçoit les demandes" in text(response)
    assert signed_in("admin").post("/admin/assistance/teamsettings/add/", {
        "team": team.pk, "new_request_notice": "adresse", "address": "equipe@example.net"}).status_code == 302
