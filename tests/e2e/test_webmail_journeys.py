"""Webmail journeys in a real Chromium: drafts saved while typing, « Annuler
l'envoi », a draft that survives the end of the session, and the new pages
on a 360-px phone. Screenshots are saved under the test's temporary folder
(their path is printed)."""

import base64
import re
import smtplib
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import BLOCKING, axe_violations, describe
from tests.e2e.test_demo import KEYS, fresh_code, sign_in

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def people(demo):
    """Demo accounts (only the personas have a password). Karim's password
    is changed by another test, so he is left out."""
    return {role: demo.account(identifier) for role, identifier in (
        ("writer", "sophie.lambert"), ("reader", "lea.garnier"), ("mobile", "claire.dubois"))}


def wait_for_autosave(page, timeout=20_000):
    page.locator("#etat-brouillon", has_text="Brouillon enregistré à").wait_for(timeout=timeout)


def test_autosave_then_cancel_the_send_then_send_it(demo, page, people, tmp_path):
    writer, reader = people["writer"], people["reader"]
    sign_in(page, demo, writer["identifier"])
    page.goto(demo.url + "/messagerie/ecrire/")
    page.get_by_label("À", exact=True).fill(reader["email"])
    page.get_by_label("Objet").fill("Conseil de cycle")
    page.get_by_label("Message").fill("Bonjour,\nle conseil de cycle a lieu mardi à 17 h.")
    wait_for_autosave(page)
    assert re.search(r"brouillon=\d+", page.url)  # a reload finds the same draft
    # A file chosen is uploaded at once with the draft and becomes one of its attachments.
    page.locator("#id_attachments").set_input_files(files=[{"name": "ordre-du-jour.txt", "mimeType": "text/plain",
                                                            "buffer": b"1. Horaires\n2. Sorties"}])
    expect(page.locator("#pieces-gardees")).to_contain_text("ordre-du-jour.txt")
    assert page.locator("#id_attachments").input_value() == ""
    draft_id = page.locator("input[name=brouillon]").input_value()
    page.get_by_label("Message").fill("Bonjour,\nle conseil de cycle a lieu mardi à 17 h 30.")
    # Saved again: the draft is replaced (a new id), not added.
    page.wait_for_function("(id) => document.querySelector('input[name=brouillon]').value !== id", arg=draft_id,
                           timeout=20_000)
    page.screenshot(path=tmp_path / "ecrire-bureau.png", full_page=True)

    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_text("Message envoyé.")).to_be_visible()
    undo = page.get_by_role("button", name="Annuler l'envoi")
    expect(undo).to_be_visible()
    page.screenshot(path=tmp_path / "annuler-envoi-bureau.png", full_page=True)
    undo.click()
    expect(page.get_by_text("Envoi annulé. Le message est dans vos brouillons.")).to_be_visible()
    expect(page.get_by_label("Message")).to_have_value(re.compile("17 h 30"))
    expect(page.get_by_label("Objet")).to_have_value("Conseil de cycle")

    page.get_by_label("Objet").fill("Conseil de cycle (horaire)")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_text("Message envoyé.")).to_be_visible()
    page.get_by_text("Le message est parti.").wait_for(timeout=20_000)
    page.get_by_role("link", name="Envoyés", exact=True).click()
    expect(page.get_by_role("link", name="Conseil de cycle (horaire)")).to_be_visible()
    page.get_by_role("link", name="Conseil de cycle (horaire)").click()
    expect(page.get_by_role("link", name="ordre-du-jour.txt")).to_be_visible()
    assert "17 h 30" in page.locator("pre.calanque-text").inner_text()
    page.get_by_role("link", name=re.compile("^Brouillons")).click()
    expect(page.get_by_text("Aucun message.")).to_be_visible()  # the drafts went with the message
    print(f"captures : {tmp_path}")


def test_a_draft_survives_the_end_of_the_session(demo, page, people):
    writer = people["writer"]
    sign_in(page, demo, writer["identifier"])
    page.goto(demo.url + "/messagerie/ecrire/")
    page.get_by_label("Objet").fill("Texte à ne pas perdre")
    page.context.clear_cookies()  # the session ends while the teacher types
    page.get_by_label("Message").fill("Trois paragraphes écrits avec soin.")
    expired = page.get_by_text("Votre session a expiré : le texte est gardé dans ce navigateur.")
    expired.wait_for(timeout=20_000)
    page.get_by_role("link", name="Reconnectez-vous pour l'enregistrer").click()
    page.get_by_label("Identifiant").fill(writer["identifier"])
    page.get_by_label("Mot de passe").fill(writer["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(fresh_code(writer["identifier"]))
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("a été restauré").wait_for()
    assert page.get_by_label("Message").input_value() == "Trois paragraphes écrits avec soin."
    assert page.get_by_label("Objet").input_value() == "Texte à ne pas perdre"
    wait_for_autosave(page)
    page.get_by_role("link", name=re.compile("^Brouillons")).click()
    expect(page.get_by_role("link", name="Texte à ne pas perdre")).to_be_visible()
    page.goto(demo.url + "/messagerie/ecrire/")  # a new message starts empty: nothing left to restore
    expect(page.locator("#etat-brouillon")).to_be_attached()
    assert page.get_by_label("Objet").input_value() == ""
    expect(page.get_by_text("a été restauré")).to_be_hidden()


def test_keyboard_opens_a_message_from_the_list(demo, page, people):
    reader = people["reader"]
    sign_in(page, demo, reader["identifier"])
    for _ in range(40):  # the message sent in the first journey, if it ran; else any message
        page.goto(demo.url + "/messagerie/")
        if page.locator("a.calanque-open").count():
            break
        time.sleep(0.5)
    else:
        pytest.skip("no message in this inbox")
    page.get_by_text("Raccourcis clavier").click()
    expect(page.get_by_text("message suivant")).to_be_visible()
    page.locator("body").press("j")
    first = page.locator("tr.calanque-row").first
    assert "calanque-row--current" in first.get_attribute("class")
    subject = first.locator("a.calanque-open").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/messagerie/message/\d+/"))
    assert page.get_by_role("heading", level=1).inner_text() == subject


def test_the_new_pages_fit_a_360_px_phone(demo, phone, people, tmp_path):
    mobile = people["mobile"]
    sign_in(phone, demo, mobile["identifier"])
    phone.goto(demo.url + "/messagerie/reglages/signatures/")
    phone.get_by_label("Nom de la signature").fill("Classe")
    phone.get_by_label("Texte").fill("Prénom Nom\nProfesseur des écoles")
    phone.locator("label[for=id_is_default]").click()
    phone.get_by_role("button", name="Enregistrer la signature").click()
    expect(phone.get_by_text("Signature enregistrée.")).to_be_visible()
    for name, path in (("signatures", "/messagerie/reglages/signatures/"),
                       ("affichage", "/messagerie/reglages/affichage/"), ("menage", "/messagerie/menage/"),
                       ("ecrire", "/messagerie/ecrire/"), ("dossier", "/messagerie/"),
                       ("recherche", "/messagerie/recherche/?q=classe&pj=on")):
        phone.goto(demo.url + path)
        wide = phone.evaluate("""() => Array.from(document.querySelectorAll('#contenu *')).filter(
            (e) => e.getBoundingClientRect().right > 361 && !Array.from(e.children).some(
                (c) => c.getBoundingClientRect().right > 361)).slice(0, 5).map(
            (e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, (name, wide)
        phone.screenshot(path=tmp_path / f"{name}-360.png", full_page=True)
        blocking = [v for v in axe_violations(phone) if v["impact"] in BLOCKING]
        assert not blocking, describe({name: blocking})
    expect(phone.locator("#pieces-gardees")).to_be_hidden()
    phone.goto(demo.url + "/messagerie/ecrire/")
    assert phone.get_by_label("Signature").input_value().startswith("s")
    expect(phone.get_by_text("Professeur des écoles")).to_be_visible()
    assert KEYS.get(mobile["identifier"])
    print(f"captures : {tmp_path}")


def test_folders_messages_and_deleting_without_a_full_page_reload(demo, page, people):
    reader = people["reader"]
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, demo, reader["identifier"])
    with smtplib.SMTP("127.0.0.1", demo.smtp_port, timeout=20) as client:
        client.sendmail("parent@example.net", [reader["email"]],
                        b"From: parent@example.net\r\nTo: " + reader["email"].encode()
                        + b"\r\nSubject: Sortie sans rechargement\r\n\r\nBonjour.\r\n")
    page.goto(demo.url + "/messagerie/")
    page.evaluate("window.calanqueSamePage = true")  # lost if the browser loads a whole page
    page.get_by_role("link", name="Sortie sans rechargement").click()
    page.wait_for_url(re.compile(r"/messagerie/message/\d+/"))
    expect(page.get_by_role("heading", level=1, name="Sortie sans rechargement")).to_be_visible()
    assert page.title().startswith("Sortie sans rechargement")
    page.get_by_role("button", name="Supprimer").click()
    page.get_by_text("1 message(s) supprimé(s).").wait_for()
    page.get_by_role("link", name=re.compile("^Corbeille")).click()
    page.wait_for_url(re.compile(r"/messagerie/dossier/\d+/"))
    expect(page.get_by_role("link", name="Sortie sans rechargement")).to_be_visible()
    assert page.evaluate("window.calanqueSamePage === true")
    expect(page.locator("h1")).to_be_focused()  # focus moved to the new title (after the swap settles)
    page.go_back()
    page.wait_for_load_state()
    assert not refused, refused


def test_on_a_phone_the_folder_menu_still_opens_after_an_in_place_navigation(demo, phone, people):
    sign_in(phone, demo, people["mobile"]["identifier"])
    phone.goto(demo.url + "/messagerie/")
    for _ in range(2):  # on the page as loaded, then on the content htmx swapped in
        menu = phone.get_by_role("button", name="Dossiers")
        expect(menu).to_be_visible()
        menu.click()
        expect(phone.locator("#menu-dossiers").get_by_role("link", name="Envoyés", exact=True)).to_be_visible()
        phone.locator("#menu-dossiers").get_by_role("link", name="Envoyés", exact=True).click()
        expect(phone.get_by_role("heading", level=1, name=re.compile("^Envoyés"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_message_dragged_onto_a_folder_moves_there(demo, page, people):
    reader = people["reader"]
    sign_in(page, demo, reader["identifier"])
    with smtplib.SMTP("127.0.0.1", demo.smtp_port, timeout=20) as client:
        client.sendmail("parent@example.net", [reader["email"]],
                        b"From: parent@example.net\r\nTo: " + reader["email"].encode()
                        + b"\r\nSubject: A ranger aux archives\r\n\r\nBonjour.\r\n")
    page.goto(demo.url + "/messagerie/")
    row = page.locator("tr.calanque-row", has_text="A ranger aux archives")
    row.drag_to(page.locator("#menu-dossiers a[data-calanque-folder]", has_text="Archives"))
    expect(page.get_by_text("1 message(s) déplacé(s) vers Archives.")).to_be_visible()
    expect(page.locator("tr.calanque-row", has_text="A ranger aux archives")).to_have_count(0)
    page.locator("#menu-dossiers").get_by_role("link", name=re.compile("^Archives")).click()
    expect(page.get_by_role("link", name="A ranger aux archives")).to_be_visible()


def test_the_new_pages_on_a_desktop_pass_axe(demo, page, people, tmp_path):
    reader = people["reader"]
    sign_in(page, demo, reader["identifier"])
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    raw = (b"From: parent@example.net\r\nTo: " + reader["email"].encode() + b"\r\nSubject: Photos de la kermesse\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
           b"Voici les photos de la kermesse.\r\n--B\r\nContent-Type: image/png\r\n"
           b"Content-Disposition: attachment; filename=\"photo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.encodebytes(png) + b"--B--\r\n")
    with smtplib.SMTP("127.0.0.1", demo.smtp_port, timeout=20) as client:
        client.sendmail("parent@example.net", [reader["email"]], raw)
    page.goto(demo.url + "/messagerie/recherche/?q=kermesse")
    expect(page.locator("mark", has_text="kermesse").first).to_be_visible()
    page.get_by_role("link", name=re.compile("Photos de la")).click()
    expect(page.get_by_role("img", name="Aperçu de photo.png")).to_be_visible()
    page.wait_for_function("() => document.querySelector('.calanque-previews img').complete")
    assert page.evaluate("document.querySelector('.calanque-previews img').naturalWidth") == 1  # really shown
    pages = [("recherche", "/messagerie/recherche/?q=kermesse&de=parent"), ("message", page.url),
             ("menage", "/messagerie/menage/"), ("signatures", "/messagerie/reglages/signatures/"),
             ("affichage", "/messagerie/reglages/affichage/")]
    found = {}
    for name, url in pages:
        page.goto(url if url.startswith("http") else demo.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, name
        page.screenshot(path=tmp_path / f"{name}-bureau.png", full_page=True)
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        if blocking:
            found[name] = blocking
    assert not found, describe(found)
    print(f"captures : {tmp_path}")


def test_a_formatted_message_is_written_and_sent(demo, page, people):
    writer, reader = people["writer"], people["reader"]
    sign_in(page, demo, writer["identifier"])
    page.goto(demo.url + "/messagerie/ecrire/")
    page.get_by_label("À", exact=True).fill(reader["email"])
    page.get_by_label("Objet").fill("Message mis en forme")
    page.get_by_label("Message").fill("Bonjour,")
    page.get_by_role("button", name="Mise en forme (gras, italique, listes, liens)").click()
    editor = page.get_by_role("textbox", name="Texte mis en forme")
    expect(editor).to_be_focused()
    editor.press("End")
    editor.press("Enter")
    page.get_by_role("toolbar", name="Mise en forme").get_by_role("button", name="Gras").click()
    editor.press_sequentially("réunion importante")
    assert "<b>réunion importante</b>" in page.locator("input[name=body_html]").input_value()
    wait_for_autosave(page)
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.get_by_text("Le message est parti.").wait_for(timeout=20_000)
    page.get_by_role("link", name="Envoyés", exact=True).click()
    page.get_by_role("link", name="Message mis en forme").click()
    body = page.frame_locator("iframe.calanque-body")
    expect(body.locator("b", has_text="réunion importante")).to_be_visible()
