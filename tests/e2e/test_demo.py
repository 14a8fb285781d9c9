"""`make demo` as a new user meets it: the terminal, the portal in a real
browser on a desktop and a 360-px phone, the SMTP port, a clean stop."""

import os
import re
import signal
import smtplib
import subprocess
import sys
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import free_port, wait_for_port

pytestmark = pytest.mark.browser


def test_the_demo_prints_where_to_go_and_every_role_account(demo):
    output = demo.output()
    assert f"Portail : http://127.0.0.1:{demo.http_port}/" in output
    assert f"SMTP    : 127.0.0.1:{demo.smtp_port}" in output
    roles = {a["role"] for a in demo.accounts}
    assert {
        "enseignante du premier degré", "enseignant du second degré", "personnel administratif",
        "agent d'assistance de la DSDEN 13", "agente d'assistance d'établissement",
        "agent d'assistance du Rectorat", "administratrice",
    } <= roles
    for account in demo.accounts:
        assert account["identifier"] in output
        assert account["email"] == f"{account['identifier']}@ac-aix-marseille.fr"
        assert account["password"] and account["department"] and account["establishment"]


def test_the_portal_is_french_and_dsfr_on_a_desktop(demo, page):
    page.goto(demo.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Académie d'Aix-Marseille" in page.title()
    assert page.locator(".fr-header .fr-logo").inner_text().upper().startswith("ACADÉMIE")
    expect(page.get_by_role("link", name="Accessibilité : non conforme")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.fr-header')).fontFamily").startswith("Marianne")
    page.get_by_role("link", name="Contenu").focus()
    expect(page.get_by_role("link", name="Contenu")).to_be_visible()


def test_the_portal_fits_a_360_px_phone(demo, phone):
    phone.goto(demo.url + "/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    menu.click()
    expect(phone.locator("#menu-mobile").get_by_role("link", name="Accueil")).to_be_visible()


KEYS: dict[str, str] = {}  # what each person's authenticator app holds
LAST_STEP: dict[str, int] = {}


def fresh_code(identifier: str) -> str:
    """A code from the person's app, waiting for the next 30-second step if
    this one was already used (the server refuses a replayed code)."""
    totp = pyotp.TOTP(KEYS[identifier])
    while int(time.time() // 30) <= LAST_STEP.get(identifier, -1):
        time.sleep(0.5)
    LAST_STEP[identifier] = int(time.time() // 30)
    return totp.now()


def sign_in(page, demo, identifier: str) -> None:
    """Sign in with the password and a code (first sign-in when this run has
    not activated the person's key yet)."""
    if identifier not in KEYS:
        first_sign_in(page, demo, identifier, f"{identifier}@example.net")
        return
    page.goto(demo.url + "/compte/connexion/")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(demo.account(identifier)["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(fresh_code(identifier))
    page.get_by_role("button", name="Valider").click()


def demo_mail(page, demo, to: str):
    """The demo outbox entry for ``to``, once the worker has written it (it
    answers requests every 2 seconds)."""
    for _ in range(40):
        page.goto(demo.url + "/demo/boite-d-envoi/")
        mail = page.locator("section.calanque-mail", has_text=f"À {to}")
        if mail.count():
            return mail.first
        time.sleep(0.5)
    raise AssertionError(f"no message to {to} in the demo outbox")


def first_sign_in(page, demo, identifier: str, recovery_address: str) -> list[str]:
    """The first-sign-in wizard, as a person does it with an authenticator app
    (pyotp plays the phone, fed with the key shown as text). Returns the
    recovery codes shown."""
    account = demo.account(identifier)
    page.goto(demo.url + "/")
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Identifiant").fill(f"  {identifier.title()} ")
    page.get_by_label("Mot de passe").fill(account["password"])
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
    page.locator("label[for=id_accept]").click()  # the DSFR draws the box on the label
    page.get_by_role("button", name="Accepter et continuer").click()

    expect(page.locator("svg.calanque-qr")).to_be_visible()
    key = page.locator("#cle-manuelle").inner_text().replace(" ", "")
    KEYS[identifier] = key
    page.get_by_label("Code à 6 chiffres").fill(fresh_code(identifier))
    page.get_by_role("button", name="Activer ma clé").click()

    page.locator("ol.calanque-codes code").first.wait_for()
    codes = page.locator("ol.calanque-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="J'ai enregistré mes codes").click()

    page.get_by_label("Adresse de secours").fill(recovery_address)
    page.get_by_role("button", name="Confirmer cette adresse").click()
    return codes


def test_first_sign_in_then_a_recovery_code_sign_in_then_the_directory(demo, page):
    codes = first_sign_in(page, demo, "hugo.bernard", "hugo.perso@example.net")
    expect(page.get_by_role("heading", name="Bonjour Hugo")).to_be_visible()
    expect(demo_mail(page, demo, "hugo.perso@example.net")).to_be_visible()
    page.goto(demo.url + "/")

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Identifiant").fill("hugo.bernard@ac-aix-marseille.fr")
    page.get_by_label("Mot de passe").fill(demo.account("hugo.bernard")["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="utiliser un code de secours").click()
    page.get_by_label("Code de secours").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Bonjour Hugo")).to_be_visible()

    page.locator("#navigation-principale").get_by_role("link", name="Annuaire").click()
    page.get_by_label("Rechercher un nom").fill("Garnier")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("link", name="lea.garnier@ac-aix-marseille.fr")).to_be_visible()

    page.get_by_role("link", name="Hugo Bernard").click()
    expect(page.get_by_text("Code de secours utilisé").first).to_be_visible()
    expect(page.get_by_text("9 codes de secours restants.")).to_be_visible()


def test_the_first_sign_in_works_on_a_360_px_phone(demo, phone):
    first_sign_in(phone, demo, "lea.garnier", "lea.perso@example.net")
    expect(phone.get_by_role("heading", name="Bonjour Léa")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_wrong_password_gets_the_generic_message_in_the_browser(demo, page):
    page.goto(demo.url + "/compte/connexion/")
    page.get_by_label("Identifiant").fill("nadia.rousseau")
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text().strip() == "Identifiant ou mot de passe incorrect."


def test_the_smtp_port_answers(demo):
    with smtplib.SMTP("127.0.0.1", demo.smtp_port, timeout=10) as client:
        code, _ = client.ehlo("test.example.org")
    assert code == 250


def test_the_demo_stops_cleanly_on_sigterm_and_restarts_with_its_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    env.update(CALANQUE_HOME=str(tmp_path), CALANQUE_WEB_WORKERS="1")
    for _ in range(2):
        http_port = free_port()
        env.update(CALANQUE_HTTP_PORT=str(http_port), CALANQUE_SMTP_PORT=str(free_port()))
        process = subprocess.Popen([sys.executable, "-m", "calanque", "demo"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for_port(http_port, process)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert "Démonstration arrêtée." in output
    assert output.count("lea.garnier") >= 1


def test_forgotten_password_then_new_password_then_sign_in(demo, page):
    """A first-time account (no OTP key yet) walks the forgotten-password flow
    through the demo outbox, then signs in with the new password."""
    new_password = "Une calanque bleue au petit matin"
    page.goto(demo.url + "/compte/connexion/")
    page.get_by_role("link", name="Mot de passe ou identifiant oublié ?").click()
    page.get_by_role("link", name="J'ai oublié mon mot de passe").click()
    page.get_by_label("Identifiant").fill("karim.fontaine")
    page.get_by_role("button", name="Recevoir un lien").click()
    expect(page.get_by_text("Si un compte correspond, un message a été envoyé")).to_be_visible()

    expect(page.get_by_role("link", name="Voir les courriels envoyés")).to_be_visible()
    mail = demo_mail(page, demo, "karim.fontaine@example.org")
    assert "Nous ne vous demanderons jamais votre mot de passe ni votre code." in mail.inner_text()
    mail.get_by_role("link", name=re.compile(r"compte.lien")).click()

    page.get_by_label("Nouveau mot de passe").fill(new_password)
    assert "Robustesse" in page.locator("#force-mot-de-passe").inner_text()
    page.get_by_label("Confirmation du mot de passe").fill(new_password)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_text("Votre mot de passe a été changé.")).to_be_visible()

    page.get_by_label("Identifiant").fill("karim.fontaine")
    page.get_by_label("Mot de passe").fill(new_password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()  # first sign-in continues


def test_mail_arrives_by_smtp_is_read_safely_and_answered_in_the_browser(demo, page):
    raw = (b"From: Parent d'eleve <parent@example.net>\r\nTo: nadia.rousseau@ac-aix-marseille.fr\r\n"
           b"Subject: Absence de Tom\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p>Bonjour, Tom sera <b>absent</b> lundi.<script>document.title='pirate'</script></p>\r\n")
    with smtplib.SMTP("127.0.0.1", demo.smtp_port, timeout=20) as client:
        client.sendmail("parent@example.net", ["nadia.rousseau@ac-aix-marseille.fr"], raw)
    first_sign_in(page, demo, "nadia.rousseau", "nadia.perso@example.net")
    page.locator("#navigation-principale").get_by_role("link", name="Messagerie").click()
    page.get_by_role("link", name=re.compile("Absence de Tom")).click()
    page.wait_for_url(re.compile(r"/messagerie/message/\d+/"))  # opened in place by htmx
    expect(page.get_by_text("Ce message provient de l'extérieur de l'académie")).to_be_visible()
    body = page.frame_locator("iframe.calanque-body")
    expect(body.get_by_text("sera absent lundi")).to_be_visible()
    assert page.title() != "pirate"
    page.get_by_role("link", name="Répondre", exact=True).click()
    page.get_by_label("Message").fill("Merci, c'est noté.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Message envoyé.")).to_be_visible()
    page.get_by_role("link", name="Envoyés", exact=True).click()
    expect(page.get_by_role("link", name=re.compile("Re: Absence de Tom"))).to_be_visible()
    expect(demo_mail(page, demo, "parent@example.net")).to_be_visible()


def test_the_messagerie_fits_a_360_px_phone(demo, phone):
    first_sign_in(phone, demo, "julien.morel", "julien.perso@example.net")
    phone.goto(demo.url + "/messagerie/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.goto(demo.url + "/messagerie/ecrire/")
    expect(phone.get_by_label("À")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_label("À").press_sequentially("garn")
    option = phone.locator("#annuaire-adresses option[value='lea.garnier@ac-aix-marseille.fr']")
    option.wait_for(state="attached", timeout=10_000)
    assert "Garnier" in option.get_attribute("label")


def test_a_request_with_a_screenshot_reaches_the_right_team_which_answers(demo, page, browser, tmp_path):
    screenshot = tmp_path / "capture.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    sign_in(page, demo, "hugo.bernard")
    page.locator("#navigation-principale").get_by_role("link", name="Assistance").click()
    page.get_by_role("link", name="Nouvelle demande").click()
    page.get_by_label("Catégorie").select_option("messagerie")
    page.get_by_label("Titre de la demande").press_sequentially("Ma boîte est pleine")
    page.locator("#articles-suggeres").get_by_role("link", name="Ma boîte aux lettres est pleine").wait_for()
    page.get_by_label("Titre de la demande").fill("Messages non reçus")
    page.get_by_label("Description").fill("Je ne reçois plus rien depuis ce matin.")
    page.get_by_label("Captures d'écran ou fichiers").set_input_files(str(screenshot))
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("car votre établissement n'a pas d'équipe d'assistance").first).to_be_visible()

    agent = browser.new_context(locale="fr-FR").new_page()
    first_sign_in(agent, demo, "claire.dubois", "claire.perso@example.net")
    agent.goto(demo.url + "/assistance/equipe/")
    agent.get_by_role("link", name="Messages non reçus").click()
    expect(agent.get_by_role("link", name="capture.png")).to_be_visible()
    agent.get_by_label("Votre message").fill("Votre boîte était pleine, c'est réparé.")
    agent.get_by_role("button", name="Envoyer", exact=True).click()
    expect(agent.get_by_text("Réponse envoyée.")).to_be_visible()

    page.reload()
    expect(page.get_by_text("Votre boîte était pleine, c'est réparé.")).to_be_visible()
    expect(page.get_by_text("En attente de l'usager")).to_be_visible()


def test_a_premier_degre_request_goes_to_the_dsden_only_and_comes_back_by_mail(demo, page, browser, tmp_path):
    """The journey of the assistance issue: a premier-degré teacher of the 13
    files a request with a screenshot; it reaches DSDEN 13 and nobody else;
    the agent answers; the teacher gets the mail and sees the answer; the
    request is resolved, then closed."""
    screenshot = tmp_path / "ecran.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    sign_in(page, demo, "lea.garnier")
    page.goto(demo.url + "/assistance/nouvelle/")
    page.get_by_label("Catégorie").select_option("otp")
    page.get_by_label("Titre de la demande").fill("Clé OTP refusée à l'école")
    page.get_by_label("Description").fill("Mon code est refusé depuis la mise à jour du téléphone.")
    page.get_by_label("Captures d'écran ou fichiers").set_input_files(str(screenshot))
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("premier degré dans le 13").first).to_be_visible()

    other = browser.new_context(locale="fr-FR").new_page()
    sign_in(other, demo, "sophie.lambert")  # an établissement's team: not theirs
    other.goto(demo.url + "/assistance/equipe/")
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    assert other.get_by_role("link", name="Clé OTP refusée à l'école").count() == 0

    agent = browser.new_context(locale="fr-FR").new_page()
    sign_in(agent, demo, "julien.morel")
    agent.goto(demo.url + "/assistance/equipe/")
    agent.get_by_role("link", name="Clé OTP refusée à l'école").click()
    expect(agent.get_by_role("link", name="ecran.png")).to_be_visible()
    agent.get_by_label("Votre message").fill("Resynchronisez l'heure du téléphone, puis réessayez.")
    agent.get_by_role("button", name="Envoyer", exact=True).click()
    expect(agent.get_by_text("Réponse envoyée.")).to_be_visible()

    # The answer reaches her by mail (a local address: her own INBOX) and on the request.
    for _ in range(20):
        page.goto(demo.url + "/messagerie/")
        if page.get_by_text("Réponse à votre demande DEM-").count():
            break
        time.sleep(0.5)
    expect(page.get_by_text("Réponse à votre demande DEM-").first).to_be_visible()
    page.goto(demo.url + "/assistance/")
    page.get_by_role("link", name="Clé OTP refusée à l'école").click()
    expect(page.get_by_text("Resynchronisez l'heure du téléphone")).to_be_visible()

    for status in ("Résolu", "Clos"):
        agent.get_by_label("État").select_option(label=status)
        agent.get_by_role("button", name="Changer l'état").click()
        expect(agent.locator("h1 .fr-badge")).to_have_text(status)
    page.reload()
    expect(page.locator("h1 .fr-badge")).to_have_text("Clos")
