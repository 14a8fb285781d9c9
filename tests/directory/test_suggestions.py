import pytest

from calanque.directory.models import Contact

pytestmark = pytest.mark.django_db


def suggest(client, text):
    response = client.get("/annuaire/suggestions/", {"q": text})
    assert response.status_code == 200
    return response.json()["results"]


def test_suggestions_need_a_signed_in_user(client):
    assert client.get("/annuaire/suggestions/", {"q": "garnier"}).status_code == 302


def test_the_annuaire_is_suggested_with_function_and_establishment(signed_in, persona):
    lea = persona("teacher_13")
    results = suggest(signed_in("secondary_teacher"), "garn")
    first = next(r for r in results if r["email"] == lea.email)
    assert first == {"email": lea.email, "kind": "annuaire",
                     "label": f"Léa Garnier — {lea.function}, {lea.establishment.name}"}


def test_groups_then_contacts_come_before_the_annuaire(signed_in, persona):
    lea = persona("teacher_13")
    client = signed_in("secondary_teacher")
    client.post(f"/annuaire/{lea.pk}/ajouter/")
    client.post("/annuaire/contacts/nouveau/", {"name": "Garnier Paul (parent)", "email": "p.garnier@example.net",
                                                "notes": ""})
    client.post("/annuaire/groupes/nouveau/", {"name": "Garnier et associés"})
    group_id = client.get("/annuaire/contacts/").context["groups"][0].pk
    client.post(f"/annuaire/groupes/{group_id}/ajouter/", {"contacts": list(Contact.objects.values_list("pk", flat=True))})

    results = suggest(client, "garnier")
    kinds = [r["kind"] for r in results]
    assert kinds[:3] == ["groupe", "contact", "contact"] and set(kinds[3:]) <= {"annuaire"}
    assert results[0] == {"kind": "groupe", "email": f"{lea.email}, p.garnier@example.net",
                          "label": "Groupe « Garnier et associés » — 2 adresses"}
    contacts = {r["email"]: r["label"] for r in results[1:3]}
    assert contacts == {lea.email: f"Léa Garnier — {lea.function}, {lea.establishment.name} (mes contacts)",
                        "p.garnier@example.net": "Garnier Paul (parent) (mes contacts)"}
    assert [r["email"] for r in results].count(lea.email) == 1  # not repeated from the annuaire
    assert len(results) <= 10


def test_an_empty_group_is_not_suggested_and_short_text_suggests_nothing(signed_in):
    client = signed_in("secondary_teacher")
    client.post("/annuaire/groupes/nouveau/", {"name": "Vide"})
    assert suggest(client, "vide") == []
    assert suggest(client, "g") == []
    assert suggest(client, "\x00\x00") == []


def test_contacts_and_groups_are_found_whatever_the_accents_and_case(signed_in):
    client = signed_in("secondary_teacher")
    client.post("/annuaire/contacts/nouveau/", {"name": "Hélène Noël", "email": "h.noel@example.net", "notes": ""})
    client.post("/annuaire/groupes/nouveau/", {"name": "Équipe pédagogique"})
    group_id = client.get("/annuaire/contacts/").context["groups"][0].pk
    client.post(f"/annuaire/groupes/{group_id}/ajouter/", {"contacts": list(Contact.objects.values_list("pk", flat=True))})
    assert [r["email"] for r in suggest(client, "HELENE noel") if r["kind"] == "contact"] == ["h.noel@example.net"]
    assert [r["label"] for r in suggest(client, "equipe PEDAGO") if r["kind"] == "groupe"] == [
        "Groupe « Équipe pédagogique » — 1 adresse"]
    html = client.get("/annuaire/contacts/", {"q": "noël"}).content.decode()
    assert "h.noel@example.net" in html


def test_a_contact_who_left_the_academie_is_not_suggested(signed_in, persona):
    lea = persona("teacher_13")
    client = signed_in("secondary_teacher")
    client.post(f"/annuaire/{lea.pk}/ajouter/")
    assert any(r["kind"] == "contact" for r in suggest(client, "garnier"))
    lea.is_active = False
    lea.save(update_fields=["is_active"])
    assert all(r["email"] != lea.email for r in suggest(client, "garnier"))
