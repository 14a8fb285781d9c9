"""Sign-in through the HTTP client: password, then a one-time code computed
by pyotp as a phone would; first sign-in; brute-force defence; sessions."""

import html
import re

import pyotp
import pytest
from django.test import Client

from calanque.accounts.models import AccountSecurity, AuditEvent, RecoveryCode
from tests.conftest import ready_account

pytestmark = pytest.mark.django_db

GENERIC = "Identifiant ou mot de passe incorrect."


def text(response) -> str:
    return html.unescape(response.content.decode())


def password_step(client, login, password, **extra):
    return client.post("/compte/connexion/", {"login": login, "password": password}, **extra)


def manual_key(response) -> str:
    match = re.search(r'id="cle-manuelle">([A-Z2-7 ]+)<', response.content.decode())
    assert match, "the activation page shows the key as text"
    return match.group(1).replace(" ", "")


def events(staff, kind):
    return AuditEvent.objects.filter(staff=staff, kind=kind)


# --- First sign-in ------------------------------------------------------------

def test_first_sign_in_walks_through_charter_key_codes_and_recovery_address(persona, password, clock, deliver):
    lea = persona("teacher_13")
    client = Client()
    response = password_step(client, "lea.garnier", password)
    assert response.status_code == 302 and response["Location"] == "/compte/bienvenue/charte/"

    page = client.get("/compte/bienvenue/charte/")
    assert "Charte d'utilisation" in text(page) and "Étape 1 sur 4" in text(page)
    response = client.post("/compte/bienvenue/charte/", {"accept": "on"})
    assert response["Location"] == "/compte/bienvenue/cle-otp/"

    page = client.get("/compte/bienvenue/cle-otp/")
    assert "<svg" in page.content.decode() and "FreeOTP" in text(page)
    key = manual_key(page)
    assert AccountSecurity.objects.get(staff=lea).otp_key is None  # not active before a code
    phone = pyotp.TOTP(key)
    response = client.post("/compte/bienvenue/cle-otp/", {"code": phone.at(clock())})
    assert response["Location"] == "/compte/bienvenue/codes-de-secours/"
    assert AccountSecurity.objects.get(staff=lea).otp_active

    page = client.get("/compte/bienvenue/codes-de-secours/")
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", page.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    download = client.get("/compte/bienvenue/codes-de-secours.txt")
    assert download["Content-Disposition"] == 'attachment; filename="codes-de-secours.txt"'
    assert all(c in download.content.decode() for c in codes)
    assert not any(RecoveryCode.objects.filter(code_hash__contains=c) for c in codes)  # stored hashed

    # Anywhere else, the unfinished wizard brings the user back.
    assert client.get("/annuaire/")["Location"] == "/compte/bienvenue/codes-de-secours/"
    response = client.post("/compte/bienvenue/codes-de-secours/")
    assert response["Location"] == "/compte/adresse-de-secours/"

    page = client.get("/compte/adresse-de-secours/")
    assert 'value="lea.garnier@example.org"' in page.content.decode()
    response = client.post("/compte/adresse-de-secours/", {"address": "lea.perso@example.net"})
    assert response["Location"] == "/"
    assert "Bonjour Léa" in text(client.get("/"))

    message = deliver()[-1]
    assert message.to == ["lea.perso@example.net"]
    link = re.search(r"http://testserver(/compte/adresse-de-secours/verifier/\S+/)", message.body).group(1)
    assert "vérifiée" in text(Client().get(link))
    assert AccountSecurity.objects.get(staff=lea).recovery_email_verified == "lea.perso@example.net"
    assert events(lea, "otp_activated").count() == 1
    assert events(lea, "signin_success").count() == 1
    assert events(lea, "charter_accepted").count() == 1


def test_a_wrong_activation_code_leaves_no_key_active_and_the_same_key_on_reload(persona, password):
    client = Client()
    password_step(client, "hugo.bernard", password)
    client.post("/compte/bienvenue/charte/", {"accept": "on"})
    key = manual_key(client.get("/compte/bienvenue/cle-otp/"))
    response = client.post("/compte/bienvenue/cle-otp/", {"code": "000000"})
    assert response.status_code == 400
    assert "Code incorrect" in text(response)
    assert AccountSecurity.objects.get(staff=persona("secondary_teacher")).otp_key is None
    assert manual_key(client.get("/compte/bienvenue/cle-otp/")) == key


@pytest.mark.parametrize(("code", "message"), [
    ("12a456", "Le code doit comporter 6 chiffres."),
    ("", "Saisissez le code à 6 chiffres."),
    ("1234567", "Le code doit comporter 6 chiffres."),
])
def test_malformed_codes_get_a_clear_french_message(password, code, message):
    client = Client()
    password_step(client, "hugo.bernard", password)
    client.post("/compte/bienvenue/charte/", {"accept": "on"})
    response = client.post("/compte/bienvenue/cle-otp/", {"code": code})
    assert response.status_code == 400
    assert message in text(response)


def test_a_second_tab_finishing_an_activation_already_done_is_told_so(persona, password, clock):
    first, second = Client(), Client()
    for client in (first, second):
        password_step(client, "hugo.bernard", password)
        client.post("/compte/bienvenue/charte/", {"accept": "on"})
    key = manual_key(first.get("/compte/bienvenue/cle-otp/"))
    assert manual_key(second.get("/compte/bienvenue/cle-otp/")) == key
    phone = pyotp.TOTP(key)
    first.post("/compte/bienvenue/cle-otp/", {"code": phone.at(clock())})
    response = second.post("/compte/bienvenue/cle-otp/", {"code": phone.at(clock())}, follow=True)
    assert "Votre clé OTP est déjà activée." in text(response)
    assert response.redirect_chain[-1][0] == "/compte/connexion/code/"
    assert AccountSecurity.objects.filter(staff=persona("secondary_teacher"), otp_key__isnull=False).count() == 1


def test_the_charter_step_can_be_switched_off(persona, password):
    from calanque.academy.models import Academy

    Academy.objects.update(charter_required=False)
    response = password_step(Client(), "hugo.bernard", password)
    assert response["Location"] == "/compte/bienvenue/cle-otp/"


def test_a_resumed_first_sign_in_issues_new_recovery_codes(persona, password, clock):
    hugo = persona("secondary_teacher")
    client = Client()
    password_step(client, "hugo.bernard", password)
    client.post("/compte/bienvenue/charte/", {"accept": "on"})
    phone = pyotp.TOTP(manual_key(client.get("/compte/bienvenue/cle-otp/")))
    client.post("/compte/bienvenue/cle-otp/", {"code": phone.at(clock())})
    old = set(RecoveryCode.objects.filter(staff=hugo).values_list("code_hash", flat=True))

    # Browser closed before the codes were saved: sign in again.
    clock.advance(30)
    client = Client()
    password_step(client, "hugo.bernard", password)
    response = client.post("/compte/connexion/code/", {"code": phone.at(clock())})
    assert response["Location"] == "/compte/bienvenue/codes-de-secours/"
    page = client.get("/compte/bienvenue/codes-de-secours/")
    assert "de nouveaux codes vont être créés" in text(page)
    client.post("/compte/bienvenue/codes-de-secours/")
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", client.get("/compte/bienvenue/codes-de-secours/").content.decode())
    assert len(codes) == 10
    assert not old & set(RecoveryCode.objects.filter(staff=hugo).values_list("code_hash", flat=True))


# --- Normal sign-in -------------------------------------------------------------

def test_a_normal_sign_in_needs_the_password_then_a_code_with_spaces_accepted(persona, password, clock):
    phone = ready_account(persona("teacher_13"))
    client = Client()
    response = password_step(client, "  Lea.Garnier ", password)
    assert response["Location"] == "/compte/connexion/code/"
    assert "Bonjour" not in text(client.get("/"))  # not signed in between the two factors
    code = phone.at(clock())
    response = client.post("/compte/connexion/code/", {"code": f"{code[:3]} {code[3:]}"})
    assert response["Location"] == "/"
    assert "Bonjour Léa" in text(client.get("/"))


def test_the_full_address_is_accepted_as_identifier(persona, password, clock):
    ready_account(persona("teacher_13"))
    response = password_step(Client(), "LEA.GARNIER@ac-aix-marseille.fr", password)
    assert response["Location"] == "/compte/connexion/code/"


def test_a_code_cannot_be_used_twice_in_its_step(persona, password, clock):
    phone = ready_account(persona("teacher_13"))
    code = phone.at(clock())
    first = Client()
    password_step(first, "lea.garnier", password)
    assert first.post("/compte/connexion/code/", {"code": code})["Location"] == "/"
    second = Client()
    password_step(second, "lea.garnier", password)
    response = second.post("/compte/connexion/code/", {"code": code})
    assert response.status_code == 400
    assert "Ce code a déjà été utilisé" in text(response)


def test_the_previous_and_next_steps_are_accepted_but_not_older_ones(persona, password, clock):
    phone = ready_account(persona("teacher_13"))
    client = Client()
    clock.advance(300)
    password_step(client, "lea.garnier", password)
    assert client.post("/compte/connexion/code/", {"code": phone.at(clock() - 60)}).status_code == 400
    assert client.post("/compte/connexion/code/", {"code": phone.at(clock() - 30)})["Location"] == "/"
    other = Client()
    clock.advance(60)
    password_step(other, "lea.garnier", password)
    assert other.post("/compte/connexion/code/", {"code": phone.at(clock() + 30)})["Location"] == "/"


def test_a_recovery_code_signs_in_once(persona, password, clock):
    lea = persona("teacher_13")
    ready_account(lea)
    client = Client()
    password_step(client, "lea.garnier", password)
    client.force_login(lea, backend="calanque.accounts.backends.StaffBackend")
    from calanque.accounts import actions

    codes = actions.do_regenerate_recovery_codes(lea, actions.Client())
    actions.do_acknowledge_recovery_codes(lea)
    for expected in ("/", None):
        client = Client()
        password_step(client, "lea.garnier", password)
        response = client.post("/compte/connexion/code-de-secours/", {"code": codes[0].lower()})
        if expected:
            assert response["Location"] == expected
        else:
            assert response.status_code == 400 and "déjà utilisé" in text(response)
    assert events(lea, "recovery_code_used").count() == 1


# --- No oracle, throttling ------------------------------------------------------

def test_the_same_message_for_unknown_identifier_wrong_password_disabled_and_passwordless(persona, password):
    hugo = persona("secondary_teacher")
    hugo.is_active = False
    hugo.save(update_fields=["is_active"])
    passwordless = persona("teacher_13").__class__.objects.filter(password__startswith="!").first()
    bodies = []
    for login, pw in [("personne.inconnue", password), ("lea.garnier", "mauvais mot de passe"),
                      ("hugo.bernard", password), (passwordless.identifier, password)]:
        response = password_step(Client(), login, pw)
        assert response.status_code == 400
        page = text(response)
        assert GENERIC in page
        bodies.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|value="[^"]*"', "", page))
    assert len(set(bodies)) == 1


def test_empty_fields_get_french_messages():
    response = password_step(Client(), "", "")
    assert response.status_code == 400
    assert "Saisissez votre identifiant." in text(response)
    assert "Saisissez votre mot de passe." in text(response)


def test_an_account_is_locked_after_repeated_failures_and_released_after_the_delay(persona, password, clock):
    lea = persona("teacher_13")
    phone = ready_account(lea)
    for _ in range(5):
        assert GENERIC in text(password_step(Client(), "lea.garnier", "faux"))
    response = password_step(Client(), "lea.garnier", "faux")  # the 6th failure starts a lock
    assert GENERIC in text(response)
    response = password_step(Client(), "lea.garnier", password)
    assert "Trop de tentatives. Réessayez dans 1 minute." in text(response)
    assert events(lea, "lockout").exists()

    clock.advance(61)
    client = Client()
    assert password_step(client, "lea.garnier", password)["Location"] == "/compte/connexion/code/"
    assert client.post("/compte/connexion/code/", {"code": phone.at(clock())})["Location"] == "/"


def test_lock_out_delays_grow(persona, password, clock):
    ready_account(persona("teacher_13"))
    for _ in range(6):
        password_step(Client(), "lea.garnier", "faux")
    assert "dans 1 minute." in text(password_step(Client(), "lea.garnier", password))
    clock.advance(61)
    password_step(Client(), "lea.garnier", "faux")
    assert "dans 2 minutes." in text(password_step(Client(), "lea.garnier", password))
    clock.advance(121)
    password_step(Client(), "lea.garnier", "faux")
    assert "dans 4 minutes." in text(password_step(Client(), "lea.garnier", password))


def test_an_unknown_identifier_is_locked_exactly_like_a_real_one(clock):
    for _ in range(6):
        password_step(Client(), "personne.inconnue", "faux")
    assert "Trop de tentatives. Réessayez dans 1 minute." in text(password_step(Client(), "personne.inconnue", "x"))


def test_password_spraying_from_one_address_is_slowed(persona, password, settings, clock):
    settings.CALANQUE_SIGNIN_IP_FAILURES = 3
    ready_account(persona("teacher_13"))
    for login in ("a.un", "b.deux", "c.trois", "d.quatre"):
        password_step(Client(), login, "Printemps2026!")
    response = password_step(Client(), "lea.garnier", password)
    assert "Trop de tentatives" in text(response)
    other_ip = password_step(Client(), "lea.garnier", password, REMOTE_ADDR="10.1.2.3")
    assert other_ip["Location"] == "/compte/connexion/code/"


def test_too_many_wrong_codes_lock_the_code_step(persona, password, clock):
    phone = ready_account(persona("teacher_13"))
    client = Client()
    password_step(client, "lea.garnier", password)
    for _ in range(6):
        client.post("/compte/connexion/code/", {"code": "000000"})
    response = client.post("/compte/connexion/code/", {"code": phone.at(clock())})
    assert "Trop de tentatives" in text(response)


def test_no_secret_ever_reaches_the_audit_log(persona, password, clock):
    phone = ready_account(persona("teacher_13"))
    client = Client()
    password_step(client, "lea.garnier", "mot-de-passe-faux-123")
    password_step(client, "lea.garnier", password)
    code = phone.at(clock())
    client.post("/compte/connexion/code/", {"code": code})
    for event in AuditEvent.objects.all():
        row = " ".join(str(v) for v in (event.attempted_identifier, event.detail, event.user_agent))
        assert password not in row and "mot-de-passe-faux-123" not in row and code not in row


# --- Sessions -----------------------------------------------------------------

def sign_in(persona_staff, password, clock, **extra):
    phone = ready_account(persona_staff)
    client = Client(**extra)
    password_step(client, persona_staff.identifier, password)
    client.post("/compte/connexion/code/", {"code": phone.at(clock())})
    return client


def test_signing_in_gives_a_new_session_id_with_safe_cookie_flags(persona, password, clock):
    phone = ready_account(persona("teacher_13"))
    client = Client()
    client.get("/compte/connexion/")
    password_step(client, "lea.garnier", password)
    before = client.cookies["sessionid"].value
    response = client.post("/compte/connexion/code/", {"code": phone.at(clock())})
    cookie = response.cookies["sessionid"]
    assert cookie.value != before
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_an_idle_session_expires(persona, password, clock):
    client = sign_in(persona("teacher_13"), password, clock)
    clock.advance(29 * 60)
    assert "Bonjour" in text(client.get("/"))
    clock.advance(29 * 60)
    assert "Bonjour" in text(client.get("/"))
    clock.advance(31 * 60)
    response = client.get("/annuaire/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")
    assert "Votre session a expiré" in text(client.get(response["Location"]))


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(persona, password, clock):
    client = sign_in(persona("teacher_13"), password, clock)
    for _ in range(25):  # 12.5 hours of activity every half hour
        clock.advance(29 * 60)
        client.get("/")
    assert "Bonjour" not in text(client.get("/"))


def test_sign_out_of_the_other_sessions(persona, password, clock):
    lea = persona("teacher_13")
    laptop = sign_in(lea, password, clock)
    clock.advance(30)
    phone_browser = sign_in(lea, password, clock, HTTP_USER_AGENT="Mozilla/5.0 (Android) Firefox/140")
    page = text(laptop.get("/compte/securite/"))
    assert "Firefox — Android" in page and "cette session" in page
    laptop.post("/compte/securite/deconnecter-les-autres/")
    assert "Bonjour" not in text(phone_browser.get("/"))
    assert "Bonjour" in text(laptop.get("/"))


def test_recent_activity_shows_failures_and_successes(persona, password, clock):
    lea = persona("teacher_13")
    password_step(Client(), "lea.garnier", "faux", REMOTE_ADDR="192.0.2.7")
    client = sign_in(lea, password, clock)
    page = text(client.get("/compte/securite/"))
    assert "Échec de connexion" in page and "192.0.2.7" in page and "Connexion réussie" in page


def test_new_recovery_codes_and_a_new_device_need_a_current_code(persona, password, clock):
    lea = persona("teacher_13")
    client = sign_in(lea, password, clock)
    response = client.post("/compte/securite/nouveaux-codes/", {"code": "000000"}, follow=True)
    assert "Code incorrect" in text(response)
    clock.advance(30)
    from calanque.accounts import otp

    current = pyotp.TOTP(otp.decrypt(AccountSecurity.objects.get(staff=lea).otp_key))
    response = client.post("/compte/securite/nouvel-appareil/", {"code": current.at(clock())})
    assert response["Location"] == "/compte/bienvenue/cle-otp/"
    page = client.get("/compte/bienvenue/cle-otp/")
    assert "Activer un nouvel appareil" in text(page)
    key = manual_key(page)
    new_phone = pyotp.TOTP(key)
    clock.advance(30)
    response = client.post("/compte/bienvenue/cle-otp/", {"code": new_phone.at(clock())})
    assert response["Location"] == "/compte/bienvenue/codes-de-secours/"
    assert client.post("/compte/bienvenue/codes-de-secours/")["Location"] == "/compte/securite/"
    clock.advance(30)
    old = Client()
    password_step(old, "lea.garnier", password)
    assert old.post("/compte/connexion/code/", {"code": current.at(clock())}).status_code == 400
    assert old.post("/compte/connexion/code/", {"code": new_phone.at(clock())})["Location"] == "/"


# --- Administrators and support ---------------------------------------------------

def test_the_admin_is_behind_the_same_two_factor_sign_in(persona, password, clock):
    response = Client().get("/admin/")
    assert response.status_code == 302
    login = Client().get(response["Location"], follow=True)
    assert login.redirect_chain[-1][0].startswith("/compte/connexion/?next=")
    admin = sign_in(persona("admin"), password, clock)
    assert admin.get("/admin/").status_code == 200
    teacher = sign_in(persona("teacher_13"), password, clock)
    assert teacher.get("/admin/").status_code in (302, 404)
    assert teacher.get("/compte/activations/").status_code == 404


def test_the_activation_dashboard_counts_and_exports_the_accounts_without_a_key(persona, password, clock):
    admin = sign_in(persona("admin"), password, clock)
    ready_account(persona("teacher_13"))
    page = text(admin.get("/compte/activations/"))
    assert "13 Bouches-du-Rhône" in page
    assert "hugo.bernard" in page and "lea.garnier" not in page.split("comptes sans clé OTP")[1]
    export = admin.get("/compte/activations/", {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    body = export.content.decode("utf-8-sig")
    assert body.startswith("identifiant;nom;prenom") and "hugo.bernard;" in body and "lea.garnier;" not in body


def test_support_can_reset_a_lost_key_and_the_next_sign_in_asks_for_a_new_one(persona, password, clock):
    lea = persona("teacher_13")
    session = sign_in(lea, password, clock)
    admin = sign_in(persona("admin"), password, clock)
    security = AccountSecurity.objects.get(staff=lea)
    response = admin.post("/admin/accounts/accountsecurity/", {
        "action": "reset_otp", "_selected_action": [security.pk]}, follow=True)
    assert response.status_code == 200
    assert AccountSecurity.objects.get(staff=lea).otp_key is None
    assert events(lea, "otp_reset").get().detail == "par claire.dubois"
    assert "Bonjour" not in text(session.get("/"))  # her open sessions ended
    assert password_step(Client(), "lea.garnier", password)["Location"] == "/compte/bienvenue/cle-otp/"
