"""Regression of the webmail's security review (suspicious item): the text
kept in the tab across a session expiry is not given to the next person who
signs in on the same computer. In a real Chromium (the e2e fixtures)."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_demo import sign_in

pytestmark = pytest.mark.browser


def test_the_text_kept_after_a_session_expiry_is_not_restored_for_another_person(demo, page):
    writer, other = "sophie.lambert", "lea.garnier"
    sign_in(page, demo, writer)
    page.goto(demo.url + "/messagerie/ecrire/")
    page.get_by_label("Objet").fill("Confidentiel")
    page.context.clear_cookies()  # her session ends while she types, and she leaves
    page.get_by_label("Message").fill("Appréciations du conseil de classe.")
    page.get_by_text("Votre session a expiré : le texte est gardé dans ce navigateur.").wait_for(timeout=20_000)
    assert page.evaluate("sessionStorage.getItem('calanque-brouillon')")  # kept, for her

    sign_in(page, demo, other)  # the next person, same computer, same tab
    page.wait_for_load_state()
    for _ in range(40):  # once her sign-in has gone through
        page.goto(demo.url + "/messagerie/ecrire/")
        if "/messagerie/ecrire/" in page.url:
            break
        time.sleep(0.5)
    expect(page.locator("#etat-brouillon")).to_be_attached()
    assert page.get_by_label("Objet").input_value() == ""
    assert page.get_by_label("Message").input_value() == ""
    expect(page.get_by_text("a été restauré")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('calanque-brouillon')") is None


def test_signing_out_drops_the_text_kept_in_the_tab(demo, page):
    sign_in(page, demo, "sophie.lambert")
    page.goto(demo.url + "/messagerie/")
    # What calanque.js keeps after a session expiry (see the test above).
    page.evaluate("sessionStorage.setItem('calanque-brouillon', JSON.stringify({subject: 'Confidentiel'}))")
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state()
    assert page.evaluate("sessionStorage.getItem('calanque-brouillon')") is None
