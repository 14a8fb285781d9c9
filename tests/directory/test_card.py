from urllib.parse import parse_qs, urlsplit

import pytest

from calanque.academy.models import Academy, Department, Establishment, Staff
from calanque.directory.models import Contact

pytestmark = pytest.mark.django_db


def test_a_card_shows_the_person_their_establishment_and_where_it_is(signed_in, persona):
    lea = persona("teacher_13")
    place = lea.establishment
    response = signed_in("secondary_teacher").get(f"/annuaire/{lea.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert place.address and place.postal_code.startswith("13")  # the demo's invented address
    for text in (lea.first_name, lea.last_name, lea.function, place.name, place.uai, place.city, place.address,
                 f"{place.postal_code} {place.city}", place.department.code, place.department.name, lea.email):
        assert text in html, text


def test_write_opens_compose_with_the_person_as_recipient(signed_in, persona):
    lea = persona("teacher_13")
    response = signed_in("secondary_teacher").get(f"/annuaire/{lea.pk}/")
    link = response.context["write_url"]
    assert f'href="{link.replace("&", "&amp;")}"' in response.content.decode()
    url = urlsplit(link)
    assert url.path == "/messagerie/ecrire/"
    assert parse_qs(url.query) == {"to": [lea.email]}


def test_add_to_my_contacts_from_the_card_once(signed_in, persona):
    lea, hugo = persona("teacher_13"), persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    assert "Ajouter à mes contacts" in client.get(f"/annuaire/{lea.pk}/").content.decode()
    for _ in range(2):
        response = client.post(f"/annuaire/{lea.pk}/ajouter/", follow=True)
        assert response.status_code == 200
    contact = Contact.objects.get(owner=hugo)
    assert contact.staff == lea and contact.email == lea.email
    html = client.get(f"/annuaire/{lea.pk}/").content.decode()
    assert "Ajouter à mes contacts" not in html and f"/annuaire/contacts/{contact.pk}/" in html


def test_adding_to_contacts_needs_a_post(signed_in, persona):
    lea = persona("teacher_13")
    response = signed_in("secondary_teacher").get(f"/annuaire/{lea.pk}/ajouter/")
    assert response.status_code == 405
    assert not Contact.objects.exists()


def test_no_card_for_disabled_staff_or_another_academie(signed_in, persona):
    lea = persona("teacher_13")
    client = signed_in("secondary_teacher")
    other_academy = Academy.objects.create(slug="autre", name="Académie d'ailleurs", domain="ac-ailleurs.example",
                                           logo_text="Académie\nd'ailleurs")
    department = Department.objects.create(academy=other_academy, code="99", name="Ailleurs")
    place = Establishment.objects.create(uai="0999999L", name="Collège d'ailleurs", kind="college",
                                         department=department, city="Ailleurs")
    stranger = Staff.objects.create_user("paul.autre@ac-ailleurs.example", academy=other_academy, first_name="Paul",
                                         last_name="Autre", degree="second", quota_mb=10, establishment=place)
    assert client.get(f"/annuaire/{stranger.pk}/").status_code == 404
    assert client.post(f"/annuaire/{stranger.pk}/ajouter/").status_code == 404
    assert client.get(f"/annuaire/{stranger.pk}/vcard/").status_code == 404
    lea.is_active = False
    lea.save(update_fields=["is_active"])
    assert client.get(f"/annuaire/{lea.pk}/").status_code == 404
    assert client.get("/annuaire/999999999/").status_code == 404


def test_a_card_needs_a_signed_in_user(client, persona):
    response = client.get(f"/annuaire/{persona('teacher_13').pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_a_card_downloads_as_a_vcard(signed_in, persona):
    lea = persona("teacher_13")
    response = signed_in("secondary_teacher").get(f"/annuaire/{lea.pk}/vcard/")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="lea.garnier.vcf"'
    text = response.content.decode()
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert f"EMAIL;TYPE=INTERNET:{lea.email}\r\n" in text and f"TITLE:{lea.function}" in text
