import pytest

from calanque.academy.models import Staff

pytestmark = pytest.mark.django_db


def emails_found(client, text: str) -> set[str]:
    response = client.get("/annuaire/", {"q": text})
    assert response.status_code == 200
    html = response.content.decode()
    return {p.email for p in Staff.objects.all() if f">{p.email}<" in html}


def test_the_directory_needs_a_signed_in_user(client):
    response = client.get("/annuaire/?q=garnier")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_it_finds_colleagues_by_name(signed_in):
    client = signed_in("secondary_teacher")
    assert "lea.garnier@ac-aix-marseille.fr" in emails_found(client, "garnier")
    found = emails_found(client, "marie dupont")
    assert {"marie.dupont@ac-aix-marseille.fr", "marie.dupont2@ac-aix-marseille.fr"} <= found


def test_it_finds_colleagues_by_function(signed_in, persona):
    lea = persona("teacher_13")
    client = signed_in("secondary_teacher")
    found = emails_found(client, f"{lea.function} garnier")
    assert lea.email in found
    assert lea.email not in emails_found(client, "Gestionnaire garnier")


def test_it_finds_colleagues_by_establishment_name_or_uai(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("teacher_13")
    assert hugo.email in emails_found(client, f"{hugo.establishment.name} bernard")
    assert hugo.email in emails_found(client, f"{hugo.establishment.uai} bernard")


def test_it_finds_colleagues_by_commune(signed_in, persona):
    lea = persona("teacher_13")
    client = signed_in("secondary_teacher")
    city = lea.establishment.city
    assert city and city not in lea.establishment.name
    assert lea.email in emails_found(client, f"garnier {city}")
    other_city = "Gap" if city != "Gap" else "Apt"
    assert lea.email not in emails_found(client, f"garnier {other_city}")


def test_it_finds_colleagues_by_departement_code_or_name(signed_in, persona):
    hugo = persona("secondary_teacher")
    assert hugo.establishment.department.code == "84"
    client = signed_in("teacher_13")
    assert hugo.email in emails_found(client, "bernard 84")
    assert hugo.email in emails_found(client, f"bernard {hugo.establishment.department.name}")
    assert hugo.email not in emails_found(client, "bernard 13")


def test_results_link_to_each_persons_card(signed_in, persona):
    lea = persona("teacher_13")
    html = signed_in("secondary_teacher").get("/annuaire/", {"q": "garnier"}).content.decode()
    assert f'href="/annuaire/{lea.pk}/"' in html


def test_disabled_staff_are_not_listed(signed_in, persona):
    lea = persona("teacher_13")
    lea.is_active = False
    lea.save(update_fields=["is_active"])
    html = signed_in("secondary_teacher").get("/annuaire/", {"q": "garnier"}).content.decode()
    assert "lea.garnier@" not in html


def test_hostile_search_text_is_harmless(signed_in):
    client = signed_in("secondary_teacher")
    response = client.get("/annuaire/", {"q": "<script>x</script>\x00 ' OR 1=1 --" * 20, "page": "abc"})
    assert response.status_code == 200
    assert "<script>x" not in response.content.decode()


def test_accents_and_case_do_not_matter_for_function_establishment_commune_and_departement(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("teacher_13")
    place = hugo.establishment
    assert hugo.email in emails_found(client, f"bernard {place.get_kind_display().upper()}")  # COLLÈGE
    assert hugo.email in emails_found(client, "bernard college")
    assert hugo.email in emails_found(client, "bernard vaucluse")
    assert hugo.email in emails_found(client, f"bernard {place.uai.lower()}")
    lea = persona("teacher_13")
    assert lea.email in emails_found(client, "garnier ecole professeur DES ÉCOLES")
    briancon = [p for p in Staff.objects.filter(is_active=True, establishment__city="Briançon")]
    assert briancon
    found = emails_found(client, "briancon")
    assert {p.email for p in briancon} <= found
    assert all(p.establishment.city == "Briançon" for p in Staff.objects.filter(email__in=found))


def test_a_departement_code_must_be_whole(signed_in, persona):
    client = signed_in("teacher_13")
    assert persona("secondary_teacher").email not in emails_found(client, "bernard 8")
