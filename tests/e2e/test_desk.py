"""The agents' desk in a real browser: a canned answer inserted at the
cursor by the script (no round trip), and the desk pages checked with
axe-core on a desktop and a 360-px phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import BLOCKING, axe_violations, describe
from tests.e2e.test_demo import KEYS, fresh_code, sign_in

pytestmark = pytest.mark.browser


def ready(page, demo, identifier: str) -> None:
    """Sign in, going through the first sign-in if this run has not done it
    yet, waiting for each step to be shown (the machine may be busy)."""
    if identifier in KEYS:
        sign_in(page, demo, identifier)
        return
    page.goto(demo.url + "/compte/connexion/")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(demo.account(identifier)["password"])
    page.get_by_role("button", name="Se connecter").click()
    charter, key = page.locator("label[for=id_accept]"), page.locator("#cle-manuelle")
    expect(charter.or_(key)).to_be_visible()
    if charter.is_visible():  # not accepted yet (another test may have stopped after it)
        charter.click()
        page.get_by_role("button", name="Accepter et continuer").click()
    expect(key).to_be_visible()
    KEYS[identifier] = page.locator("#cle-manuelle").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(fresh_code(identifier))
    page.get_by_role("button", name="Activer ma clé").click()
    page.get_by_role("button", name="J'ai enregistré mes codes").click()
    page.get_by_label("Adresse de secours").fill(f"{identifier}@example.net")
    page.get_by_role("button", name="Confirmer cette adresse").click()
    expect(page.get_by_role("heading", name=re.compile("^Bonjour"))).to_be_visible()


def test_an_agent_inserts_a_canned_answer_and_the_desk_pages_pass_axe(demo, browser):
    teacher = browser.new_context(locale="fr-FR").new_page()
    ready(teacher, demo, "lea.garnier")
    teacher.goto(demo.url + "/assistance/nouvelle/")
    teacher.get_by_label("Catégorie").select_option("boite_pleine")
    teacher.get_by_label("Titre de la demande").fill("Boîte pleine depuis lundi")
    teacher.get_by_label("Description").fill("Je ne peux plus recevoir de messages.")
    teacher.get_by_role("button", name="Envoyer la demande").click()
    expect(teacher.get_by_text("DSDEN").first).to_be_visible()

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    agent = context.new_page()
    ready(agent, demo, "julien.morel")
    agent.goto(demo.url + "/assistance/equipe/reponses-types/")
    agent.get_by_label("Titre", exact=True).fill("Boîte pleine : vider la corbeille")
    agent.get_by_label("Texte").fill("Bonjour {prenom},\nvidez la corbeille ({reference}).")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.get_by_text("Réponse type enregistrée.")).to_be_visible()

    agent.goto(demo.url + "/assistance/equipe/")
    agent.get_by_role("link", name="Boîte pleine depuis lundi").click()
    ticket_url = agent.url
    body = agent.get_by_label("Votre message")
    body.fill("Merci pour votre message.")
    agent.get_by_label("Réponse type").select_option(label="Boîte pleine : vider la corbeille")
    agent.get_by_role("button", name="Insérer dans le message").click()
    value = body.input_value()
    assert value.startswith("Merci pour votre message.\n\nBonjour Léa,\nvidez la corbeille (DEM-")
    assert agent.url == ticket_url and body.evaluate("e => e === document.activeElement")

    urls = [("file", demo.url + "/assistance/equipe/"), ("demande", ticket_url),
            ("tableau de bord", demo.url + "/assistance/equipe/tableau-de-bord/"),
            ("réponses types", demo.url + "/assistance/equipe/reponses-types/"),
            ("notifications", demo.url + "/assistance/equipe/preferences/")]
    found = {}
    for name, viewport in (("bureau", {"width": 1280, "height": 900}), ("téléphone", {"width": 360, "height": 780})):
        agent.set_viewport_size(viewport)
        for label, url in urls:
            agent.goto(url)
            violations = [v for v in axe_violations(agent) if v["impact"] in BLOCKING]
            if violations:
                found[f"{label} ({name})"] = violations
            if name == "téléphone":
                assert agent.evaluate("document.documentElement.scrollWidth") <= 360, label
    context.close()
    assert not found, "axe-core:\n" + describe(found)


def test_an_administrator_previews_and_publishes_an_article_from_the_desk(demo, browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    ready(page, demo, "claire.dubois")
    page.goto(demo.url + "/assistance/equipe/articles/nouveau/")
    page.get_by_label("Titre", exact=True).fill("Changer de téléphone")
    page.get_by_label("Texte (Markdown)").fill("## Avant\n\nGardez **vos codes de secours**.")
    page.get_by_role("button", name="Prévisualiser").click()
    preview = page.get_by_role("region", name="Aperçu (non enregistré)")
    expect(preview.get_by_role("heading", name="Avant")).to_be_visible()
    found = {}
    for name, viewport in (("bureau", {"width": 1280, "height": 900}), ("téléphone", {"width": 360, "height": 780})):
        page.set_viewport_size(viewport)
        for label in ("aperçu", "liste"):
            if label == "liste":
                page.goto(demo.url + "/assistance/equipe/articles/")
            violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
            if violations:
                found[f"{label} ({name})"] = violations
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], label
        if name == "bureau":
            page.go_back()
    page.goto(demo.url + "/assistance/equipe/articles/nouveau/")
    page.get_by_label("Titre", exact=True).fill("Changer de téléphone")
    page.get_by_label("Texte (Markdown)").fill("Gardez **vos codes de secours**.")
    page.locator("label[for=id_state_1]").click()  # the DSFR draws the radio on its label
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Article publié.")).to_be_visible()
    page.get_by_role("link", name="Voir l'article publié").click()
    expect(page.get_by_role("heading", name="Changer de téléphone")).to_be_visible()
    context.close()
    assert not found, "axe-core:\n" + describe(found)
