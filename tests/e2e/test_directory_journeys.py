"""The annuaire in a real browser: a colleague found by search, their card,
personal contacts, a group written to, vCard export and import — on a desktop
and on a 360-px phone. Screenshots go to var/screenshots/ (not committed)."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.test_demo import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PERSON = "sophie.lambert"  # no other journey depends on her contacts


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_find_a_colleague_add_them_to_a_group_write_to_it_export_and_import(demo, page, tmp_path):
    sign_in(page, demo, PERSON)
    page.locator("#navigation-principale").get_by_role("link", name="Annuaire").click()
    page.get_by_label("Rechercher un nom").fill("dupont lettres")
    page.get_by_role("button", name="Rechercher").click()
    assert page.get_by_role("status").inner_text() == "1 résultat"
    shot(page, "annuaire-resultats-bureau")
    page.get_by_role("link", name="DUPONT Marie").click()

    expect(page.get_by_role("heading", level=1, name="Marie Dupont")).to_be_visible()
    expect(page.get_by_text("Professeure de lettres")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^0\d{6}[A-Z]$"))).to_be_visible()  # the UAI
    write = page.get_by_role("link", name="Écrire à Marie")
    assert parse_qs(urlsplit(write.get_attribute("href")).query) == {"to": ["marie.dupont2@ac-aix-marseille.fr"]}
    shot(page, "annuaire-fiche-bureau")
    page.get_by_role("button", name="Ajouter à mes contacts").click()
    expect(page.get_by_text("Marie Dupont a été ajouté(e) à vos contacts.")).to_be_visible()

    page.get_by_role("link", name="Mes contacts", exact=True).click()
    expect(page.get_by_role("cell", name="marie.dupont2@ac-aix-marseille.fr")).to_be_visible()
    page.get_by_label("Nom du groupe").fill("Équipe de maths")
    page.get_by_role("button", name="Créer le groupe").click()
    expect(page.get_by_text("Groupe « Équipe de maths » créé.")).to_be_visible()
    page.locator("#membres label", has_text="Marie Dupont <marie.dupont2@ac-aix-marseille.fr>").click()
    page.get_by_role("button", name="Ajouter au groupe").click()
    expect(page.get_by_role("cell", name="marie.dupont2@ac-aix-marseille.fr")).to_be_visible()
    shot(page, "annuaire-groupe-bureau")
    href = page.get_by_role("link", name="Écrire au groupe").get_attribute("href")
    assert urlsplit(href).path == "/messagerie/ecrire/"
    assert parse_qs(urlsplit(href).query) == {"to": ["marie.dupont2@ac-aix-marseille.fr"]}

    # Compose proposes the group (all its addresses) before anyone of the annuaire. What is typed
    # here must not become a draft of this account (another journey expects an empty Brouillons).
    page.context.route(re.compile(r"/messagerie/brouillon/"), lambda route: route.abort())
    page.add_init_script("navigator.sendBeacon = () => true;")  # the save on leaving, which routes do not see
    page.goto(demo.url + "/messagerie/ecrire/")
    page.get_by_label("À").press_sequentially("maths")
    option = page.locator("#annuaire-adresses option").first
    option.wait_for(state="attached", timeout=10_000)
    assert option.get_attribute("value") == "marie.dupont2@ac-aix-marseille.fr"
    assert option.get_attribute("label") == "Groupe « Équipe de maths » — 1 adresse"

    page.goto(demo.url + "/annuaire/contacts/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter tous mes contacts (vCard)").click()
    assert download.value.suggested_filename == "contacts.vcf"
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "EMAIL;TYPE=INTERNET:marie.dupont2@ac-aix-marseille.fr" in exported
    assert "CATEGORIES:Équipe de maths" in exported

    bad = tmp_path / "mauvais.vcf"
    bad.write_text("BEGIN:VCARD\nVERSION:3.0\nFN Sans deux-points\nEND:VCARD\n", encoding="utf-8")
    page.get_by_role("link", name="Importer (vCard)").click()
    page.get_by_label("Fichier vCard (.vcf)").set_input_files(str(bad))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert").get_by_text("Carte n° 1, ligne 3 : ligne mal formée")).to_be_visible()
    shot(page, "annuaire-import-erreur-bureau")
    good = tmp_path / "telephone.vcf"
    good.write_text("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jeanne Martin\r\nEMAIL:jeanne.martin@example.net\r\n"
                    "CATEGORIES:Parents d'élèves\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Paul Durand\r\n"
                    "EMAIL:paul.durand@example.net\r\nEND:VCARD\r\n", encoding="utf-8")
    page.get_by_label("Fichier vCard (.vcf)").set_input_files(str(good))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("Import terminé : 2 contact(s) ajouté(s), 0 déjà présent(s).")).to_be_visible()
    expect(page.get_by_role("link", name="Jeanne Martin")).to_be_visible()
    expect(page.get_by_role("link", name="Parents d'élèves").first).to_be_visible()
    shot(page, "annuaire-contacts-bureau")


def test_the_annuaire_and_contacts_fit_a_360_px_phone(demo, phone):
    sign_in(phone, demo, PERSON)
    checked = []

    def fits(name: str) -> None:
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, name
        shot(phone, f"annuaire-{name}-360")
        checked.append(name)

    phone.goto(demo.url + "/annuaire/?q=garnier")
    fits("resultats")
    phone.locator("label", has_text="Choisir Léa Garnier").click()  # the DSFR draws the box on the label
    phone.get_by_role("button", name="Ajouter la sélection à mes contacts").click()
    # 0 when the accessibility test added her already
    expect(phone.get_by_text(re.compile(r"^[01] contact\(s\) ajouté\(s\)\.$"))).to_be_visible()
    phone.get_by_role("link", name="GARNIER Léa").click()
    expect(phone.get_by_role("heading", level=1, name="Léa Garnier")).to_be_visible()
    expect(phone.get_by_role("link", name="Écrire à Léa")).to_be_visible()
    expect(phone.get_by_role("link", name="Déjà dans vos contacts : modifier")).to_be_visible()
    fits("fiche")
    phone.goto(demo.url + "/annuaire/contacts/")
    fits("contacts")
    phone.get_by_label("Nom du groupe").fill("Sorties scolaires")
    phone.get_by_role("button", name="Créer le groupe").click()
    phone.locator("#membres label", has_text="Léa Garnier <lea.garnier@ac-aix-marseille.fr>").click()
    phone.get_by_role("button", name="Ajouter au groupe").click()
    expect(phone.get_by_role("link", name="Écrire au groupe")).to_be_visible()
    fits("groupe")
    phone.goto(demo.url + "/annuaire/contacts/importer/")
    fits("import")
    assert checked == ["resultats", "fiche", "contacts", "groupe", "import"]
