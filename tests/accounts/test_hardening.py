"""Regressions found in review: each would let someone past a factor, or
turn bad input into an error page."""

import html
import re

import pyotp
import pytest
from django.test import Client

from calanque.accounts import actions
from calanque.accounts.models import AccountSecurity
from tests.conftest import ready_account

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def password_step(client, login, password):
    return client.post("/compte/connexion/", {"login": login, "password": password})


def test_an_unfinished_device_replacement_does_not_open_the_account_to_the_password_alone(persona, password, clock):
    lea = persona("teacher_13")
    ready_account(lea)
    actions.do_start_otp_reactivation(lea)  # started, never confirmed
    intruder = Client()
    password_step(intruder, "lea.garnier", password)
    response = intruder.get("/compte/bienvenue/cle-otp/")
    assert response["Location"] == "/compte/connexion/code/"
    pending = actions.otp.decrypt(AccountSecurity.objects.get(staff=lea).otp_pending_key)
    intruder.post("/compte/bienvenue/cle-otp/", {"code": pyotp.TOTP(pending).at(clock())})
    assert "Bonjour" not in text(intruder.get("/"))


def test_a_correct_password_does_not_wipe_the_failed_codes(persona, password, clock):
    ready_account(persona("teacher_13"))
    client = Client()
    for _ in range(3):
        password_step(client, "lea.garnier", password)
        for _ in range(2):
            client.post("/compte/connexion/code/", {"code": "000000"})
    response = password_step(Client(), "lea.garnier", password)
    assert "Trop de tentatives" in text(response)


def test_saved_recovery_codes_are_not_replaced_without_a_current_code(signed_in, persona):
    client = signed_in("teacher_13")
    before = set(persona("teacher_13").recovery_codes.values_list("code_hash", flat=True))
    response = client.post("/compte/bienvenue/codes-de-secours/")
    assert response["Location"] == "/compte/securite/"
    assert set(persona("teacher_13").recovery_codes.values_list("code_hash", flat=True)) == before


def test_the_owner_of_a_hammered_account_still_signs_in_from_a_known_browser(persona, password, clock):
    lea = persona("teacher_13")
    phone = ready_account(lea)
    owner = Client()
    password_step(owner, "lea.garnier", password)
    clock.advance(30)
    assert owner.post("/compte/connexion/code/", {"code": phone.at(clock())})["Location"] == "/"
    owner.post("/compte/deconnexion/")
    for _ in range(8):  # someone else, elsewhere
        password_step(Client(REMOTE_ADDR="203.0.113.9"), "lea.garnier", "devine")
    assert "Trop de tentatives" in text(password_step(Client(), "lea.garnier", password))
    assert password_step(owner, "lea.garnier", password)["Location"] == "/compte/connexion/code/"


def test_an_activation_link_never_skips_the_password_nor_an_active_key(persona, signed_in, deliver, clock):
    from calanque.academy.models import Staff
    from calanque.accounts import recovery

    newcomer = Staff.objects.filter(password__startswith="!").first()
    Staff.objects.filter(pk=newcomer.pk).update(recovery_email="n@example.net")
    newcomer.refresh_from_db()
    recovery.do_send_activation_link(None, newcomer, actions.Client(), base_url="http://testserver/")
    link = re.search(r"http://testserver(/compte/lien/\S+/)", deliver()[-1].body).group(1)
    browser = Client()
    browser.get(link)
    browser.post("/compte/bienvenue/charte/", {"accept": "on"})
    assert browser.get("/compte/bienvenue/cle-otp/")["Location"] == "/compte/connexion/"

    lea = persona("teacher_13")
    ready_account(lea)
    recovery.do_send_activation_link(None, lea, actions.Client(), base_url="http://testserver/")
    link = re.search(r"http://testserver(/compte/lien/\S+/)", deliver()[-1].body).group(1)
    browser = Client()
    browser.get(link)
    assert browser.get("/compte/nouveau-mot-de-passe/")["Location"] == "/compte/nouveau-mot-de-passe/code/"


def test_an_opened_reset_link_still_expires(persona, clock, deliver):
    lea = persona("teacher_13")
    AccountSecurity.objects.update_or_create(staff=lea, defaults={"recovery_email_verified": lea.recovery_email})
    Client().post("/compte/oubli/mot-de-passe/", {"login": "lea.garnier"})
    link = re.search(r"http://testserver(/compte/lien/\S+/)", deliver()[-1].body).group(1)
    browser = Client()
    browser.get(link)
    clock.advance(31 * 60)
    response = browser.post("/compte/nouveau-mot-de-passe/", {"password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code == 400
    assert AccountSecurity.objects.get(staff=lea).password_changed_at is None


def test_with_several_academies_sign_in_first_asks_which_one():
    from calanque.academy.actions import do_setup_academy, load_academy_description

    do_setup_academy(load_academy_description("nice"))
    response = Client().get("/compte/connexion/")
    assert response["Location"].startswith("/academie/?next=")
    response = Client().get("/compte/oubli/mot-de-passe/")
    assert response["Location"].startswith("/academie/?next=")


def test_a_password_typed_in_the_identifier_field_is_not_logged():
    Client().post("/compte/connexion/", {"login": "Mon Mot De Passe!2026", "password": "x"})
    from calanque.accounts.models import AuditEvent

    assert AuditEvent.objects.get(kind="signin_failure").attempted_identifier == "(saisie non conforme)"


def test_the_admin_can_add_a_staff_member(signed_in):
    from calanque.academy.models import Academy, Establishment, Staff

    admin = signed_in("admin")
    response = admin.post("/admin/academy/staff/add/", {
        "academy": Academy.objects.get().pk, "identifier": "paul.nouveau", "email": "paul.nouveau@ac-aix-marseille.fr",
        "first_name": "Paul", "last_name": "Nouveau", "degree": "second", "quota_mb": 2048,
        "establishment": Establishment.objects.filter(kind="college").first().pk, "usable_password": "false",
    })
    assert response.status_code == 302, text(response)[:3000]
    assert Staff.objects.filter(identifier="paul.nouveau").exists()


def test_a_nul_byte_in_a_directory_search_is_harmless(signed_in):
    assert signed_in("teacher_13").get("/annuaire/", {"q": "ga\x00rnier"}).status_code == 200


def test_a_password_set_in_the_admin_ends_the_sessions_and_is_logged(signed_in, persona, password):
    admin = signed_in("admin")
    lea_session = signed_in("teacher_13")
    lea = persona("teacher_13")
    new = "Un mot de passe choisi par le support 2026"
    response = admin.post(f"/admin/academy/staff/{lea.pk}/password/", {"password1": new, "password2": new})
    assert response.status_code == 302
    assert "Bonjour" not in text(lea_session.get("/"))
    from calanque.accounts.models import AuditEvent

    assert AuditEvent.objects.filter(staff=lea, kind="password_changed").exists()


def test_a_stale_form_gets_a_french_page_not_a_django_one():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/compte/connexion/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    assert "Formulaire expiré" in text(response)
