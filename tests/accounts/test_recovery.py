"""Self-service recovery through HTTP, with the real outbound queue: the
worker delivers the messages and the tests read the links from them."""

import gzip
import html
import io
import re
from datetime import timedelta

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from calanque.academy.models import Academy, Staff
from calanque.accounts import otp
from calanque.accounts.models import AccountSecurity, AuditEvent
from calanque.accounts.passwords import COMMON_PASSWORDS
from tests.conftest import ready_account

pytestmark = pytest.mark.django_db

NEW = "trois chats sur le Vieux-Port"
SENT = "Si un compte correspond, un message a été envoyé à votre adresse de secours."


def text(response) -> str:
    return html.unescape(response.content.decode())


def link_in(message) -> str:
    match = re.search(r"http://testserver(/compte/lien/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def request_reset(login, **extra):
    return Client(**extra).post("/compte/oubli/mot-de-passe/", {"login": login})


def phone_of(staff) -> pyotp.TOTP:
    return pyotp.TOTP(otp.decrypt(AccountSecurity.objects.get(staff=staff).otp_key))


def sign_in(staff, password, clock):
    client = Client()
    response = client.post("/compte/connexion/", {"login": staff.identifier, "password": password})
    assert response["Location"] == "/compte/connexion/code/", text(response)
    clock.advance(30)
    assert client.post("/compte/connexion/code/", {"code": phone_of(staff).at(clock())})["Location"] == "/"
    return client


@pytest.fixture
def lea(persona, deliver):
    staff = persona("teacher_13")
    ready_account(staff)  # recovery address lea.garnier@example.org
    AccountSecurity.objects.filter(staff=staff).update(recovery_email_verified=staff.recovery_email)
    deliver()
    deliver.forget()  # the verification message of ready_account
    return staff


# --- Forgotten password -------------------------------------------------------

def test_the_answer_is_the_same_whether_or_not_the_account_exists(lea, deliver, django_assert_num_queries):
    with django_assert_num_queries(6) as known_queries:
        known = request_reset("lea.garnier")
    with django_assert_num_queries(6) as unknown_queries:
        unknown = request_reset("personne.inconnue")
    # The same work on both paths: what the database is asked does not depend on the account.
    assert [q["sql"].split(" ")[0] for q in known_queries.captured_queries] == [
        q["sql"].split(" ")[0] for q in unknown_queries.captured_queries]
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]+"', "", text(r))  # noqa: E731 - CSRF tokens differ
    assert strip(known) == strip(unknown)
    assert SENT in text(known)
    messages = deliver()
    assert [m.to for m in messages] == [["lea.garnier@example.org"]]


def test_the_whole_reset_with_a_code_then_sign_in_with_the_new_password(lea, password, clock, deliver):
    other_session = sign_in(lea, password, clock)
    request_reset("Lea.Garnier ")
    message = deliver()[-1]
    assert "Académie d'Aix-Marseille" in message.subject + message.body
    assert "Nous ne vous demanderons jamais votre mot de passe ni votre code." in message.body
    assert "<" not in message.body and "&#" not in message.body and "http://testserver/compte/lien/" in message.body

    browser = Client()
    response = browser.get(link_in(message))
    assert response["Location"] == "/compte/nouveau-mot-de-passe/"
    assert browser.get("/compte/nouveau-mot-de-passe/")["Location"] == "/compte/nouveau-mot-de-passe/code/"
    clock.advance(30)
    response = browser.post("/compte/nouveau-mot-de-passe/code/", {"code": phone_of(lea).at(clock())})
    assert response["Location"] == "/compte/nouveau-mot-de-passe/"
    response = browser.post("/compte/nouveau-mot-de-passe/", {"password1": NEW, "password2": NEW})
    assert response["Location"] == "/compte/connexion/"

    assert "Bonjour" not in text(other_session.get("/"))  # every other session ended
    notices = [m for m in deliver() if "changé" in m.subject]
    assert [n.to for n in notices] == [["lea.garnier@example.org"]]
    from calanque.mail.models import Message

    assert Message.objects.filter(mailbox__staff=lea, content__subject__contains="changé").count() == 1
    assert sign_in(Staff.objects.get(pk=lea.pk), NEW, clock)
    refused = Client().post("/compte/connexion/", {"login": "lea.garnier", "password": password})
    assert refused.status_code == 400
    assert AuditEvent.objects.filter(staff=lea, kind="password_changed", detail="lien de réinitialisation").exists()


def test_a_recovery_code_can_replace_the_phone_during_a_reset(lea, clock, deliver):
    from calanque.accounts import actions

    codes = actions.do_regenerate_recovery_codes(lea, actions.Client())
    request_reset("lea.garnier")
    browser = Client()
    browser.get(link_in(deliver()[-1]))
    response = browser.post("/compte/nouveau-mot-de-passe/code-de-secours/", {"code": codes[3]})
    assert response["Location"] == "/compte/nouveau-mot-de-passe/"
    assert browser.post("/compte/nouveau-mot-de-passe/", {"password1": NEW, "password2": NEW}).status_code == 302


def test_a_link_works_once(lea, deliver):
    AccountSecurity.objects.filter(staff=lea).update(otp_key=None)  # no second factor asked: simpler
    request_reset("lea.garnier")
    link = link_in(deliver()[-1])
    browser = Client()
    browser.get(link)
    browser.post("/compte/nouveau-mot-de-passe/", {"password1": NEW, "password2": NEW})
    again = Client().get(link)
    assert again.status_code == 400 and "a déjà servi" in text(again)


def test_only_the_latest_of_two_links_works(lea, deliver):
    request_reset("lea.garnier")
    request_reset("lea.garnier")
    first, second = [link_in(m) for m in deliver()]
    assert "a déjà servi, ou un lien plus récent" in text(Client().get(first))
    assert Client().get(second)["Location"] == "/compte/nouveau-mot-de-passe/"


def test_a_link_opened_then_superseded_stops_at_the_next_step(lea, deliver):
    request_reset("lea.garnier")
    browser = Client()
    browser.get(link_in(deliver()[-1]))
    request_reset("lea.garnier")
    deliver()
    response = browser.get("/compte/nouveau-mot-de-passe/")
    assert response.status_code == 400 and "lien plus récent" in text(response)


def test_a_link_expires_after_30_minutes(lea, clock, deliver):
    request_reset("lea.garnier")
    link = link_in(deliver()[-1])
    clock.advance(31 * 60)
    response = Client().get(link)
    assert response.status_code == 400 and "Ce lien a expiré." in text(response)


@pytest.mark.parametrize("damage", [lambda t: t[:-6] + "/", lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:], lambda t: "/compte/lien/abc/"])
def test_tampered_or_truncated_links_are_refused_clearly(lea, deliver, damage):
    request_reset("lea.garnier")
    response = Client().get(damage(link_in(deliver()[-1])))
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "incomplet ou a été modifié" in text(response)
    assert AccountSecurity.objects.get(staff=lea).password_changed_at is None


def test_no_link_goes_to_an_unverified_recovery_address(persona, deliver):
    staff = persona("secondary_teacher")
    AccountSecurity.objects.filter(staff=staff).update(recovery_email_verified="")
    assert SENT in text(request_reset("hugo.bernard"))
    assert deliver() == []


def test_a_flood_of_requests_is_throttled_silently_and_logged(lea, deliver):
    for _ in range(6):
        assert SENT in text(request_reset("lea.garnier"))
    assert len(deliver()) == 3
    assert AuditEvent.objects.filter(staff=lea, kind="reset_throttled").count() == 3


# --- Password policy ------------------------------------------------------------

def common_long_password() -> str:
    with gzip.open(COMMON_PASSWORDS, "rt") as handle:
        return next(line.strip() for line in handle if len(line.strip()) >= 12)


def open_reset(lea, deliver) -> Client:
    AccountSecurity.objects.filter(staff=lea).update(otp_key=None)
    request_reset("lea.garnier")
    browser = Client()
    browser.get(link_in(deliver()[-1]))
    return browser


@pytest.mark.parametrize(("password", "message"), [
    ("court", "au moins 12 caractères"),
    ("lea.garnier-2026!", "ni votre identifiant ni vos nom et prénom"),
    ("Garnier_2026_ok", "ni votre identifiant ni vos nom et prénom"),
    ("abc\x07defghijklmn", "caractère de contrôle"),
])
def test_the_password_policy_explains_what_is_wrong(lea, deliver, password, message):
    response = open_reset(lea, deliver).post("/compte/nouveau-mot-de-passe/", {"password1": password, "password2": password})
    assert response.status_code == 400
    assert message in text(response)
    assert AccountSecurity.objects.get(staff=lea).password_changed_at is None


def test_one_of_the_100000_most_common_passwords_is_refused(lea, deliver):
    common = common_long_password()
    response = open_reset(lea, deliver).post("/compte/nouveau-mot-de-passe/", {"password1": common, "password2": common})
    assert "les plus courants" in text(response)
    with gzip.open(COMMON_PASSWORDS, "rt") as handle:
        assert sum(1 for _ in handle) >= 100_000


def test_two_different_entries_are_refused(lea, deliver):
    response = open_reset(lea, deliver).post("/compte/nouveau-mot-de-passe/", {"password1": NEW, "password2": NEW + "!"})
    assert "Les deux mots de passe ne sont pas identiques." in text(response)


def test_a_long_passphrase_with_spaces_and_any_character_is_accepted(lea, deliver):
    phrase = "Le mistral souffle fort sur l'étang de Berre ☀ 2026, même en décembre !"
    assert len(phrase) >= 64
    response = open_reset(lea, deliver).post("/compte/nouveau-mot-de-passe/", {"password1": phrase, "password2": phrase})
    assert response["Location"] == "/compte/connexion/"
    assert Staff.objects.get(pk=lea.pk).check_password(phrase)


def test_an_academy_can_require_composition_and_a_longer_minimum(lea, deliver):
    Academy.objects.update(password_require_composition=True, password_min_length=16)
    browser = open_reset(lea, deliver)
    response = browser.post("/compte/nouveau-mot-de-passe/", {"password1": NEW, "password2": NEW})
    page = text(response)
    assert "des lettres, des chiffres et des caractères spéciaux" in page
    strong = "Trois chats & 2 chiens, Vieux-Port"
    assert browser.post("/compte/nouveau-mot-de-passe/", {"password1": strong, "password2": strong}).status_code == 302


# --- Forgotten identifier ---------------------------------------------------------

def test_forgotten_identifiers_are_sent_to_the_recovery_address(persona, deliver):
    first, second = Staff.objects.filter(identifier__in=["marie.dupont", "marie.dupont2"]).order_by("identifier")
    Staff.objects.filter(pk__in=[first.pk, second.pk]).update(recovery_email="marie@example.net")
    response = Client().post("/compte/oubli/identifiant/", {"address": "Marie@Example.net", "last_name": ""})
    assert "Si des comptes correspondent" in text(response)
    unknown = Client().post("/compte/oubli/identifiant/", {"address": "nobody@example.net", "last_name": ""})
    assert unknown.status_code == response.status_code == 200
    [message] = deliver()
    assert message.to == ["marie@example.net"]
    assert "marie.dupont (" in message.body and "marie.dupont2 (" in message.body


def test_an_invalid_recovery_address_gets_a_form_error():
    response = Client().post("/compte/oubli/identifiant/", {"address": "pas-une-adresse"})
    assert response.status_code == 400
    assert "Saisissez une adresse électronique valide" in text(response)


# --- Activation (first password) ----------------------------------------------------

def test_an_activation_link_leads_through_password_then_the_otp_key(persona, signed_in, deliver, clock):
    admin = signed_in("admin")
    newcomer = Staff.objects.filter(password__startswith="!", recovery_email="").first()
    Staff.objects.filter(pk=newcomer.pk).update(recovery_email="nouveau@example.net")
    response = admin.post("/admin/academy/staff/", {"action": "send_activation_link", "_selected_action": [newcomer.pk]},
                          follow=True)
    assert "1 lien(s) envoyé(s)" in text(response)
    message = deliver()[-1]
    assert message.to == ["nouveau@example.net"] and newcomer.identifier in message.body

    browser = Client()
    assert browser.get(link_in(message))["Location"] == "/compte/bienvenue/charte/"
    assert browser.post("/compte/bienvenue/charte/", {"accept": "on"})["Location"] == "/compte/nouveau-mot-de-passe/"
    response = browser.post("/compte/nouveau-mot-de-passe/", {"password1": NEW, "password2": NEW})
    assert response["Location"] == "/compte/bienvenue/cle-otp/"
    key = re.search(r'id="cle-manuelle">([A-Z2-7 ]+)<', browser.get(response["Location"]).content.decode()).group(1)
    response = browser.post("/compte/bienvenue/cle-otp/", {"code": pyotp.TOTP(key.replace(" ", "")).at(clock())})
    assert response["Location"] == "/compte/bienvenue/codes-de-secours/"
    security = AccountSecurity.objects.get(staff=newcomer)
    assert security.recovery_email_verified == "nouveau@example.net"  # the link proved the mailbox
    assert Staff.objects.get(pk=newcomer.pk).check_password(NEW)


def test_send_activation_sends_links_in_bulk_and_names_accounts_without_an_address(deliver):
    waiting = Staff.objects.filter(password__startswith="!", is_active=True)
    Staff.objects.filter(pk__in=list(waiting.values_list("pk", flat=True)[:3])).update(recovery_email="x@example.net")
    out, err = io.StringIO(), io.StringIO()
    call_command("send_activation", stdout=out, stderr=err)
    assert out.getvalue().startswith("3 lien(s) mis en file d'envoi")
    assert "pas d'adresse de secours" in err.getvalue()
    assert len(deliver()) == 3


# --- Signed-in changes ------------------------------------------------------------------

def test_changing_the_password_needs_the_current_one_and_a_code(lea, password, clock, deliver):
    client = sign_in(lea, password, clock)
    other = sign_in(lea, password, clock)
    clock.advance(30)
    response = client.post("/compte/securite/mot-de-passe/", {
        "current": "faux", "code": phone_of(lea).at(clock()), "password1": NEW, "password2": NEW})
    assert response.status_code == 400 and "Mot de passe actuel incorrect." in text(response)
    response = client.post("/compte/securite/mot-de-passe/", {
        "current": password, "code": "000000", "password1": NEW, "password2": NEW})
    assert response.status_code == 400 and "Code incorrect" in text(response)
    clock.advance(30)
    response = client.post("/compte/securite/mot-de-passe/", {
        "current": password, "code": phone_of(lea).at(clock()), "password1": NEW, "password2": NEW})
    assert response["Location"] == "/compte/securite/"
    page = text(client.get("/compte/securite/"))
    assert "Dernier changement le" in page
    assert "Bonjour" not in text(other.get("/"))
    assert any("changé" in m.subject for m in deliver())
    from calanque.mail.models import Message

    assert Message.objects.filter(mailbox__staff=lea, folder__special="inbox", content__subject__contains="changé").exists()


def test_a_new_recovery_address_counts_only_once_verified(lea, signed_in, deliver):
    client = signed_in("teacher_13")
    response = client.post("/compte/adresse-de-secours/", {"address": "lea.nouvelle@example.net"})
    assert response["Location"] == "/compte/securite/"
    assert "non vérifiée" in text(client.get("/compte/securite/"))
    deliver()
    request_reset("lea.garnier")
    assert [m for m in deliver() if "Réinitialisation" in m.subject] == []


def test_the_academic_address_cannot_be_the_recovery_address(signed_in):
    response = signed_in("teacher_13").post("/compte/adresse-de-secours/", {"address": "lea.garnier@ac-aix-marseille.fr"})
    assert response.status_code == 400 and "extérieure à l'académie" in text(response)


def test_an_expired_password_must_be_changed_after_sign_in(lea, password, clock):
    Academy.objects.update(password_max_age_days=90)
    AccountSecurity.objects.filter(staff=lea).update(password_changed_at=timezone.now() - timedelta(days=100))
    client = Client()
    client.post("/compte/connexion/", {"login": "lea.garnier", "password": password})
    clock.advance(30)
    response = client.post("/compte/connexion/code/", {"code": phone_of(lea).at(clock())})
    assert response["Location"] == "/compte/securite/mot-de-passe/"
    assert client.get("/annuaire/")["Location"] == "/compte/securite/mot-de-passe/"


def test_a_password_about_to_expire_is_announced(lea, password, clock):
    Academy.objects.update(password_max_age_days=90)
    AccountSecurity.objects.filter(staff=lea).update(password_changed_at=timezone.now() - timedelta(days=80))
    client = Client()
    client.post("/compte/connexion/", {"login": "lea.garnier", "password": password})
    clock.advance(30)
    response = client.post("/compte/connexion/code/", {"code": phone_of(lea).at(clock())}, follow=True)
    assert "Votre mot de passe expire dans 10 jour(s)" in text(response)


# --- Demo outbox ---------------------------------------------------------------------------

def test_the_demo_outbox_exists_only_in_demo_mode(lea, settings, deliver):
    request_reset("lea.garnier")
    deliver()
    assert Client().get("/demo/boite-d-envoi/").status_code == 404
    settings.CALANQUE_DEMO = True
    page = text(Client().get("/demo/boite-d-envoi/"))
    assert "Boîte d'envoi de démonstration" in page
    assert 'href="http://testserver/compte/lien/' in page


def test_the_worker_mails_one_reminder_before_the_password_expires(lea):
    from calanque.mail.models import Message

    Academy.objects.update(password_max_age_days=90)
    AccountSecurity.objects.filter(staff=lea).update(password_changed_at=timezone.now() - timedelta(days=80))
    call_command("worker", "--once")
    call_command("worker", "--once")
    reminders = Message.objects.filter(mailbox__staff=lea, content__subject__startswith="Votre mot de passe expire")
    assert reminders.count() == 1
    assert "10 jours" in reminders.get().content.preview


def test_support_agents_send_activation_links_only_to_people_they_support(signed_in, deliver):
    newcomer = Staff.objects.filter(password__startswith="!", establishment__department__code="13").first()
    outsider = Staff.objects.filter(password__startswith="!").exclude(establishment__department__code="13").first()
    Staff.objects.filter(pk__in=[newcomer.pk, outsider.pk]).update(recovery_email="n@example.net")
    agent = signed_in("dsden13_agent")
    page = text(agent.get("/compte/assistance/activation/", {"q": newcomer.last_name}))
    assert newcomer.identifier in page
    response = agent.post("/compte/assistance/activation/", {"staff": newcomer.pk, "q": newcomer.last_name}, follow=True)
    assert "Lien d'activation envoyé" in text(response)
    assert agent.post("/compte/assistance/activation/", {"staff": outsider.pk}).status_code == 404
    assert [m.to for m in deliver()] == [["n@example.net"]]
    assert AuditEvent.objects.get(kind="activation_sent").detail == "par julien.morel"
    assert signed_in("teacher_13").get("/compte/assistance/activation/").status_code == 404
