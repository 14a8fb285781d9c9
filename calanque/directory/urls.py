from django.urls import path

from calanque.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("ajouter/", views.add_found, name="add_found"),
    path("<int:staff_id>/", views.card, name="card"),
    path("<int:staff_id>/vcard/", views.staff_vcard, name="staff_vcard"),
    path("<int:staff_id>/ajouter/", views.add_staff_contact, name="add_staff_contact"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/nouveau/", views.add_contact, name="add_contact"),
    path("contacts/importer/", views.import_contacts, name="import_contacts"),
    path("contacts/exporter/", views.export_contacts, name="export_contacts"),
    path("contacts/<int:contact_id>/", views.edit_contact, name="edit_contact"),
    path("contacts/<int:contact_id>/supprimer/", views.delete_contact, name="delete_contact"),
    path("contacts/<int:contact_id>/vcard/", views.contact_vcard, name="contact_vcard"),
    path("groupes/nouveau/", views.create_group, name="create_group"),
    path("groupes/<int:group_id>/", views.group, name="group"),
    path("groupes/<int:group_id>/ajouter/", views.add_group_members, name="add_group_members"),
    path("groupes/<int:group_id>/retirer/<int:contact_id>/", views.remove_group_member, name="remove_group_member"),
    path("groupes/<int:group_id>/renommer/", views.rename_group, name="rename_group"),
    path("groupes/<int:group_id>/supprimer/", views.delete_group, name="delete_group"),
    path("groupes/<int:group_id>/vcard/", views.group_vcard, name="group_vcard"),
]
