"""The portal's pages: French, DSFR, the mandatory footer, security headers,
and the choice of académie when several are configured."""

import html

import pytest
from django.test import Client

from calanque.academy.actions import do_setup_academy, load_academy_description

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_first_page_is_in_french_with_the_academy_name(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = text(response)
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in html
    assert "Académie<br>d'Aix-Marseille" in html
    assert "Se connecter" in html
    assert "dsfr.min.css" in html


def test_the_footer_carries_the_mandatory_public_sector_links(client):
    html = text(client.get("/"))
    assert "Accessibilité : non conforme" in html
    assert 'href="/accessibilite/"' in html
    assert "mailto:accessibilite@ac-aix-marseille.fr" in html
    assert 'href="/mentions-legales/"' in html
    assert 'href="/donnees-personnelles/"' in html
    for url, title in [("/accessibilite/", "Déclaration d'accessibilité"), ("/mentions-legales/", "Mentions légales"),
                       ("/donnees-personnelles/", "Données personnelles")]:
        page = client.get(url)
        assert page.status_code == 200
        assert title in text(page)


def test_the_accessibility_status_follows_what_the_academy_declares(client):
    from calanque.academy.models import Academy

    Academy.objects.update(accessibility_status="partiellement", accessibility_declaration="Audit réalisé en 2026.")
    html = text(client.get("/accessibilite/"))
    assert "Accessibilité : partiellement conforme" in html
    assert "Audit réalisé en 2026." in html


def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "HttpOnly" in str(response.cookies.get("csrftoken", ""))


def test_an_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in text(response)


def test_english_is_available_by_choice(client):
    response = client.post("/langue/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = text(client.get("/"))
    assert '<html lang="en"' in html
    assert "Sign in" in html
    assert "Accessibility: non-compliant" in html


def test_with_several_academies_the_first_page_asks_which_one_and_remembers(db):
    do_setup_academy(load_academy_description("nice"))
    client = Client()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/academie/"
    html = text(client.get("/academie/"))
    assert "Académie de Nice" in html and "Académie d'Aix-Marseille" in html
    response = client.post("/academie/", {"academie": "nice", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["calanque_academie"].value == "nice"
    assert "Portail des personnels — Académie de Nice" in text(client.get("/"))


def test_choosing_an_unknown_academy_is_a_clear_error(db):
    do_setup_academy(load_academy_description("nice"))
    response = Client().post("/academie/", {"academie": "atlantide"})
    assert response.status_code == 400
    assert "Choisissez une académie dans la liste." in text(response)


def test_the_academy_follows_the_host_name(db, settings):
    do_setup_academy(load_academy_description("nice"))
    settings.ALLOWED_HOSTS = ["messagerie.ac-nice.fr", "testserver"]
    html = text(Client(HTTP_HOST="messagerie.ac-nice.fr").get("/"))
    assert "Portail des personnels — Académie de Nice" in html
