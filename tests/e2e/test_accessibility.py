"""axe-core (vendored in tests/e2e/vendor/, see its README) on the main
pages of the portal, signed out and signed in, on a desktop and a 360-px
phone. A serious or critical violation fails the test, with the rule, the
page and the elements concerned."""

import smtplib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_demo import sign_in

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = {"serious", "critical"}
PERSON = "sophie.lambert"


def axe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now. Injected through the
    DevTools protocol, which the portal's strict CSP does not govern; the
    sandboxed message iframe (no script at all) is left out."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    return page.evaluate("""async () => {
        const result = await axe.run(document, {iframes: false, resultTypes: ["violations"],
                                                 runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
        return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                               targets: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
    }""")


def describe(found: dict[str, list[dict]]) -> str:
    return "\n".join(f"{page}: [{v['impact']}] {v['id']} — {v['help']} — {v['targets']}"
                     for page, violations in found.items() for v in violations)


def pages_of_the_portal(page, demo) -> list[tuple[str, str]]:
    """(name, url) of the pages to check, some found by following links."""
    page.goto(demo.url + "/messagerie/")
    folder = page.url
    page.locator("a[href*='/messagerie/message/']").first.click()
    page.wait_for_url("**/messagerie/message/**")  # opened in place by htmx
    message = page.url
    page.goto(demo.url + "/annuaire/?q=garnier")
    page.locator("a[href^='/annuaire/'][href$='/']", has_text="GARNIER").first.click()
    card = page.url
    page.get_by_role("button", name="Ajouter à mes contacts").click()
    page.goto(demo.url + "/annuaire/contacts/")
    page.get_by_label("Nom du groupe").fill("Équipe d'accessibilité")
    page.get_by_role("button", name="Créer le groupe").click()
    group = page.url
    return [
        ("portail", demo.url + "/"),
        ("messagerie (dossier)", folder),
        ("message", message),
        ("écrire", demo.url + "/messagerie/ecrire/"),
        ("annuaire (résultats)", demo.url + "/annuaire/?q=garnier"),
        ("fiche d'une personne", card),
        ("mes contacts", demo.url + "/annuaire/contacts/"),
        ("groupe", group),
        ("import vCard", demo.url + "/annuaire/contacts/importer/"),
        ("assistance", demo.url + "/assistance/"),
    ]


def test_no_serious_or_critical_axe_violation_on_the_main_pages(demo, browser):
    raw = (b"From: Collegue <collegue@example.net>\r\nTo: sophie.lambert@ac-aix-marseille.fr\r\n"
           b"Subject: Conseil de classe\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"Bonjour, le conseil de classe est jeudi.\r\n")
    with smtplib.SMTP("127.0.0.1", demo.smtp_port, timeout=20) as client:
        client.sendmail("collegue@example.net", ["sophie.lambert@ac-aix-marseille.fr"], raw)

    found: dict[str, list[dict]] = {}
    checked: list[str] = []
    urls = None
    for name, viewport in (("bureau", {"width": 1280, "height": 900}), ("téléphone", {"width": 360, "height": 780})):
        context = browser.new_context(locale="fr-FR", viewport=viewport)
        page = context.new_page()

        def check(label: str) -> None:
            violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING]  # noqa: B023
            checked.append(label)
            if violations:
                found[f"{label} ({name})"] = violations  # noqa: B023

        page.goto(demo.url + "/compte/connexion/")
        check("connexion")
        sign_in(page, demo, PERSON)
        urls = urls or pages_of_the_portal(page, demo)
        for label, url in urls:
            page.goto(url)
            check(label)
        # Forms showing their errors.
        page.goto(demo.url + "/annuaire/contacts/nouveau/")
        page.get_by_label("Adresse électronique").fill("pas une adresse")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("Adresse électronique invalide")).to_be_visible()
        check("contact refusé")
        page.goto(demo.url + "/annuaire/contacts/importer/")
        page.get_by_label("Fichier vCard (.vcf)").set_input_files(
            files=[{"name": "faux.vcf", "mimeType": "text/vcard", "buffer": b"BEGIN:VCARD\nFN\nEND:VCARD\n"}])
        page.get_by_role("button", name="Importer").click()
        expect(page.get_by_role("alert")).to_be_visible()
        check("import refusé")
        context.close()
    assert len(checked) == 2 * (len(urls) + 3)
    assert not found, "axe-core:\n" + describe(found)


def test_the_checker_itself_catches_a_blocking_violation(page):
    page.set_content('<!DOCTYPE html><html lang="fr"><head><title>t</title></head><body><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></body></html>')
    ids = {v["id"] for v in axe_violations(page) if v["impact"] in BLOCKING}
    assert {"image-alt", "label"} <= ids
