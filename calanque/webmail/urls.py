from django.urls import path

from calanque.webmail import views

app_name = "webmail"
urlpatterns = [
    path("", views.home, name="home"),
    path("dossier/<int:folder_id>/", views.folder, name="folder"),
    path("dossier/<int:folder_id>/vider/", views.empty_folder, name="empty_folder"),
    path("recherche/", views.search, name="search"),
    path("message/<int:message_id>/", views.message, name="message"),
    path("message/<int:message_id>/corps/", views.message_body, name="message_body"),
    path("message/<int:message_id>/piece/<str:part>/", views.attachment, name="attachment"),
    path("message/<int:message_id>/source/", views.source, name="source"),
    path("lus/", views.mark_read, name="mark_read"),
    path("non-lus/", views.mark_unread, name="mark_unread"),
    path("suivis/", views.flag, name="flag"),
    path("non-suivis/", views.unflag, name="unflag"),
    path("supprimer/", views.delete, name="delete"),
    path("deplacer/", views.move, name="move"),
    path("archiver/", views.archive, name="archive"),
    path("ecrire/", views.compose, name="compose"),
    path("brouillon/", views.save_draft, name="save_draft"),
    path("dossiers/creer/", views.create_folder, name="create_folder"),
    path("dossier/<int:folder_id>/renommer/", views.rename_folder, name="rename_folder"),
    path("dossier/<int:folder_id>/supprimer/", views.delete_folder, name="delete_folder"),
    path("reglages/", views.settings_view, name="settings"),
]
