from urllib.parse import parse_qs, urlsplit

import pytest

from calanque.directory.models import MAX_GROUP_MEMBERS, Contact, ContactGroup

pytestmark = pytest.mark.django_db


def add(client, **data):
    return client.post("/annuaire/contacts/nouveau/", {"name": "", "notes": "", **data})


def test_the_contacts_need_a_signed_in_user(client):
    for url in ("/annuaire/contacts/", "/annuaire/contacts/nouveau/", "/annuaire/contacts/exporter/",
                "/annuaire/contacts/importer/", "/annuaire/groupes/nouveau/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/"), url


def test_add_list_edit_and_delete_an_outside_contact(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    response = add(client, name="Mme Parent d'élève", email=" Parent.Eleve@Example.NET ", notes="Maman de Tom")
    assert response.status_code == 302 and response["Location"] == "/annuaire/contacts/"
    contact = Contact.objects.get(owner=hugo)
    assert (contact.name, contact.email, contact.notes, contact.staff) == (
        "Mme Parent d'élève", "parent.eleve@example.net", "Maman de Tom", None)
    html = client.get("/annuaire/contacts/").content.decode()
    assert "Mme Parent d&#x27;élève" in html and "parent.eleve@example.net" in html

    response = client.post(f"/annuaire/contacts/{contact.pk}/",
                           {"name": "Mme Martin", "email": "martin@example.net", "notes": "Maman de Tom (CM2)"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.notes) == ("Mme Martin", "martin@example.net", "Maman de Tom (CM2)")

    assert "Retirer Mme Martin" in client.get(f"/annuaire/contacts/{contact.pk}/supprimer/").content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()  # GET only asks
    response = client.post(f"/annuaire/contacts/{contact.pk}/supprimer/")
    assert response.status_code == 302 and not Contact.objects.filter(pk=contact.pk).exists()


def test_an_address_of_the_annuaire_becomes_a_colleague_contact(signed_in, persona):
    lea, hugo = persona("teacher_13"), persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    assert add(client, email=lea.email).status_code == 302
    contact = Contact.objects.get(owner=hugo)
    assert contact.staff == lea and contact.display_name == "Léa Garnier"
    # Name and address are the directory's: only the notes change.
    client.post(f"/annuaire/contacts/{contact.pk}/", {"name": "X", "email": "x@example.net", "notes": "CP/CE1"})
    contact.refresh_from_db()
    assert (contact.email, contact.notes, contact.name) == (lea.email, "CP/CE1", "Léa Garnier")


@pytest.mark.parametrize(("email", "message"), [
    ("", "Indiquez l&#x27;adresse électronique."),
    ("pas-une-adresse", "Adresse électronique invalide : « pas-une-adresse »."),
    ("deja@example.net", "Cette adresse est déjà dans vos contacts."),
])
def test_a_wrong_contact_is_refused_with_the_reason(signed_in, email, message):
    client = signed_in("secondary_teacher")
    add(client, email="deja@example.net")
    response = add(client, name="Quelqu'un", email=email)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Contact.objects.count() == 1


def test_nobody_sees_or_touches_anyone_elses_contacts_or_groups(signed_in, persona):
    hugo_client = signed_in("secondary_teacher")
    add(hugo_client, name="Secret", email="secret@example.net", notes="note privée")
    hugo_client.post("/annuaire/groupes/nouveau/", {"name": "Maths 4e B"})
    contact = Contact.objects.get(email="secret@example.net")
    group = ContactGroup.objects.get(name="Maths 4e B")
    hugo_client.post(f"/annuaire/groupes/{group.pk}/ajouter/", {"contacts": [contact.pk]})

    lea_client = signed_in("teacher_13")
    html = lea_client.get("/annuaire/contacts/").content.decode()
    assert "secret@example.net" not in html and "Maths 4e B" not in html
    assert "secret@example.net" not in lea_client.get("/annuaire/contacts/exporter/").content.decode()
    for text in ("secret", "maths"):
        results = lea_client.get("/annuaire/suggestions/", {"q": text}).json()["results"]
        assert {r["kind"] for r in results} <= {"annuaire"}, text  # the colleagues of the annuaire only
    for method, url in [
        ("get", f"/annuaire/contacts/{contact.pk}/"),
        ("post", f"/annuaire/contacts/{contact.pk}/"),
        ("get", f"/annuaire/contacts/{contact.pk}/vcard/"),
        ("post", f"/annuaire/contacts/{contact.pk}/supprimer/"),
        ("get", f"/annuaire/groupes/{group.pk}/"),
        ("get", f"/annuaire/groupes/{group.pk}/vcard/"),
        ("post", f"/annuaire/groupes/{group.pk}/renommer/"),
        ("post", f"/annuaire/groupes/{group.pk}/supprimer/"),
        ("post", f"/annuaire/groupes/{group.pk}/ajouter/"),
        ("post", f"/annuaire/groupes/{group.pk}/retirer/{contact.pk}/"),
    ]:
        response = getattr(lea_client, method)(url, {"name": "Piraté", "email": "p@example.net", "notes": "x"})
        assert response.status_code == 404, (method, url)
    # Léa's own group cannot take Hugo's contact either.
    lea_client.post("/annuaire/groupes/nouveau/", {"name": "Mon groupe"})
    mine = ContactGroup.objects.get(name="Mon groupe")
    response = lea_client.post(f"/annuaire/groupes/{mine.pk}/ajouter/", {"contacts": [contact.pk]})
    assert response.status_code == 400 and "Ce contact n&#x27;existe pas." in response.content.decode()
    contact.refresh_from_db()
    group.refresh_from_db()
    assert contact.notes == "note privée" and group.name == "Maths 4e B"
    assert list(group.members.all()) == [contact] and not mine.members.exists()


def test_a_group_is_created_renamed_filled_emptied_written_to_and_deleted(signed_in, persona):
    lea = persona("teacher_13")
    client = signed_in("secondary_teacher")
    client.post(f"/annuaire/{lea.pk}/ajouter/")
    add(client, name="Ext", email="ext@example.net")
    response = client.post("/annuaire/groupes/nouveau/", {"name": "  Équipe   de maths "})
    group = ContactGroup.objects.get()
    assert group.name == "Équipe de maths" and response["Location"] == f"/annuaire/groupes/{group.pk}/"

    contacts = list(Contact.objects.all())
    assert client.post(f"/annuaire/groupes/{group.pk}/ajouter/",
                       {"contacts": [c.pk for c in contacts]}).status_code == 302
    assert set(group.members.all()) == set(contacts)
    page = client.get(f"/annuaire/groupes/{group.pk}/")
    url = urlsplit(page.context["write_url"])
    assert url.path == "/messagerie/ecrire/"
    assert parse_qs(url.query) == {"to": [f"ext@example.net, {lea.email}"]}
    assert "Écrire au groupe" in page.content.decode()

    client.post(f"/annuaire/groupes/{group.pk}/renommer/", {"name": "Maths 4e"})
    group.refresh_from_db()
    assert group.name == "Maths 4e"

    ext = Contact.objects.get(email="ext@example.net")
    client.post(f"/annuaire/groupes/{group.pk}/retirer/{ext.pk}/")
    assert list(group.members.all()) == [Contact.objects.get(email=lea.email)]

    client.post(f"/annuaire/groupes/{group.pk}/supprimer/")
    assert not ContactGroup.objects.exists() and Contact.objects.count() == 2  # members stay


@pytest.mark.parametrize(("name", "message"), [
    ("", "Donnez un nom au groupe."),
    ("   ", "Donnez un nom au groupe."),
    ("équipe DE MATHS", "Vous avez déjà un groupe « équipe DE MATHS »."),
    ("x" * 101, "Assurez-vous que cette valeur comporte au plus 100 caractères"),
])
def test_a_wrong_group_name_is_refused_with_the_reason(signed_in, name, message):
    client = signed_in("secondary_teacher")
    client.post("/annuaire/groupes/nouveau/", {"name": "Équipe de maths"})
    client.post("/annuaire/groupes/nouveau/", {"name": "Autre"})
    response = client.post("/annuaire/groupes/nouveau/", {"name": name})
    assert response.status_code == 400 and message in response.content.decode()
    other = ContactGroup.objects.get(name="Autre")
    response = client.post(f"/annuaire/groupes/{other.pk}/renommer/", {"name": name})
    assert response.status_code == 400 and message in response.content.decode()
    assert sorted(ContactGroup.objects.values_list("name", flat=True)) == ["Autre", "Équipe de maths"]


def test_a_group_has_a_size_limit(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    Contact.objects.bulk_create([Contact(owner=hugo, email=f"p{i}@example.net") for i in range(MAX_GROUP_MEMBERS + 1)])
    client.post("/annuaire/groupes/nouveau/", {"name": "Tout le monde"})
    group = ContactGroup.objects.get()
    response = client.post(f"/annuaire/groupes/{group.pk}/ajouter/",
                           {"contacts": list(Contact.objects.values_list("pk", flat=True))})
    assert response.status_code == 400
    assert f"Un groupe compte {MAX_GROUP_MEMBERS} membres au plus." in response.content.decode()
    assert not group.members.exists()


def test_the_contacts_page_filters_and_pages(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    Contact.objects.bulk_create([Contact(owner=hugo, name=f"Parent {i:02d}", email=f"parent{i}@example.net")
                                 for i in range(60)])
    Contact.objects.create(owner=hugo, name="Mairie", email="accueil@mairie.example", notes="cantine")
    html = client.get("/annuaire/contacts/", {"q": "cantine"}).content.decode()
    assert "accueil@mairie.example" in html and "parent1@example.net" not in html
    first = client.get("/annuaire/contacts/").content.decode()
    assert "1 / 2" in first and "parent0@example.net" in first and "parent59@example.net" not in first


def test_a_group_too_long_for_a_link_shows_its_addresses_to_copy(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    long_addresses = [f"{'x' * 60}.{i}@{'tres-long-domaine-' * 3}example.net" for i in range(MAX_GROUP_MEMBERS)]
    Contact.objects.bulk_create([Contact(owner=hugo, email=a) for a in long_addresses])
    client.post("/annuaire/groupes/nouveau/", {"name": "Grande liste"})
    group = ContactGroup.objects.get()
    client.post(f"/annuaire/groupes/{group.pk}/ajouter/", {"contacts": list(Contact.objects.values_list("pk", flat=True))})
    response = client.get(f"/annuaire/groupes/{group.pk}/")
    html = response.content.decode()
    assert response.context["write_url"] is None and "Écrire au groupe" not in html
    assert f"readonly>{', '.join(sorted(long_addresses))}</textarea>" in html


def test_several_search_results_are_added_at_once_to_contacts_and_a_group(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    client.post("/annuaire/groupes/nouveau/", {"name": "Homonymes"})
    group = ContactGroup.objects.get()
    page = client.get("/annuaire/", {"q": "marie dupont"})
    people = list(page.context["page"].object_list)
    assert len(people) == 2 and 'name="personnes"' in page.content.decode()
    response = client.post("/annuaire/ajouter/", {"personnes": [p.pk for p in people], "groupe": group.pk,
                                                  "q": "marie dupont", "page": "1"})
    assert response.status_code == 302 and response["Location"] == "/annuaire/?q=marie+dupont&page=1"
    assert {c.staff for c in Contact.objects.filter(owner=hugo)} == set(people)
    assert set(group.members.all()) == set(Contact.objects.filter(owner=hugo))
    html = client.get(response["Location"]).content.decode()
    assert "2 contact(s) ajouté(s) ; la sélection est dans le groupe « Homonymes »." in html
    client.post("/annuaire/ajouter/", {"personnes": [p.pk for p in people]})  # again: nothing doubled
    assert Contact.objects.filter(owner=hugo).count() == 2


def test_adding_search_results_refuses_nothing_checked_foreign_people_and_foreign_groups(signed_in, persona):
    lea, hugo = persona("teacher_13"), persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    response = client.post("/annuaire/ajouter/", {"personnes": ["abc", "999999999"]}, follow=True)
    assert "Cochez au moins une personne." in response.content.decode()
    lea_client = signed_in("teacher_13")
    lea_client.post("/annuaire/groupes/nouveau/", {"name": "Le groupe de Léa"})
    foreign = ContactGroup.objects.get(owner=lea)
    response = client.post("/annuaire/ajouter/", {"personnes": [lea.pk], "groupe": foreign.pk})
    assert response.status_code == 404
    assert not Contact.objects.filter(owner=hugo).exists() and not foreign.members.exists()
    assert client.get("/annuaire/ajouter/").status_code == 405


def test_adding_search_results_to_a_full_group_adds_nobody(signed_in, persona):
    hugo = persona("secondary_teacher")
    client = signed_in("secondary_teacher")
    Contact.objects.bulk_create([Contact(owner=hugo, email=f"p{i}@example.net") for i in range(MAX_GROUP_MEMBERS)])
    client.post("/annuaire/groupes/nouveau/", {"name": "Plein"})
    group = ContactGroup.objects.get()
    client.post(f"/annuaire/groupes/{group.pk}/ajouter/", {"contacts": list(Contact.objects.values_list("pk", flat=True))})
    response = client.post("/annuaire/ajouter/", {"personnes": [persona("teacher_13").pk], "groupe": group.pk},
                           follow=True)
    assert f"Un groupe compte {MAX_GROUP_MEMBERS} membres au plus." in response.content.decode()
    assert Contact.objects.filter(owner=hugo).count() == MAX_GROUP_MEMBERS
