import pytest

pytestmark = pytest.mark.django_db


def test_the_directory_needs_a_signed_in_user(client):
    response = client.get("/annuaire/?q=garnier")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_it_finds_colleagues_by_name_function_or_establishment(signed_in):
    client = signed_in("secondary_teacher")
    html = client.get("/annuaire/", {"q": "garnier"}).content.decode()
    assert "lea.garnier@ac-aix-marseille.fr" in html
    html = client.get("/annuaire/", {"q": "marie dupont"}).content.decode()
    assert "marie.dupont@ac-aix-marseille.fr" in html and "marie.dupont2@ac-aix-marseille.fr" in html


def test_disabled_staff_are_not_listed(signed_in, persona):
    lea = persona("teacher_13")
    lea.is_active = False
    lea.save(update_fields=["is_active"])
    html = signed_in("secondary_teacher").get("/annuaire/", {"q": "garnier"}).content.decode()
    assert "lea.garnier@" not in html
