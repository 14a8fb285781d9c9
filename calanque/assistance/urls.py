from django.urls import path

from calanque.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.home, name="home"),
    path("nouvelle/", views.new_ticket, name="new"),
    path("aide/", views.help_articles, name="articles"),
    path("aide/suggestions/", views.help_suggestions, name="article_suggestions"),
    path("aide/<slug:slug>/", views.article, name="article"),
    path("aide/<slug:slug>/avis/", views.article_vote, name="article_vote"),
    path("sans-connexion/", views.anonymous_ticket, name="anonymous"),
    path("demande/<int:ticket_id>/", views.ticket, name="ticket"),
    path("demande/<int:ticket_id>/repondre/", views.reply, name="reply"),
    path("fichier/<int:file_id>/", views.download, name="download"),
    path("equipe/", views.queue, name="queue"),
    path("equipe/incident/", views.post_incident, name="post_incident"),
    path("equipe/tableau-de-bord/", views.agent_dashboard, name="dashboard"),
    path("equipe/reponses-types/", views.canned_answers, name="canned_answers"),
    path("equipe/reponses-types/<int:answer_id>/", views.canned_answer, name="canned_answer"),
    path("equipe/reponses-types/<int:answer_id>/supprimer/", views.canned_answer_delete,
         name="canned_answer_delete"),
    path("equipe/articles/", views.desk_articles, name="desk_articles"),
    path("equipe/articles/nouveau/", views.desk_article, name="desk_article_new"),
    path("equipe/articles/<int:article_id>/", views.desk_article, name="desk_article"),
    path("equipe/preferences/", views.preferences, name="preferences"),
    path("equipe/demande/<int:ticket_id>/", views.agent_ticket, name="agent_ticket"),
    path("equipe/demande/<int:ticket_id>/repondre/", views.agent_reply, name="agent_reply"),
    path("equipe/demande/<int:ticket_id>/etat/", views.agent_status, name="agent_status"),
    path("equipe/demande/<int:ticket_id>/urgence/", views.agent_urgency, name="agent_urgency"),
    path("equipe/demande/<int:ticket_id>/prendre/", views.agent_take, name="agent_take"),
    path("equipe/demande/<int:ticket_id>/attribuer/", views.agent_assign, name="agent_assign"),
    path("equipe/demande/<int:ticket_id>/reorienter/", views.agent_reassign, name="agent_reassign"),
    path("equipe/demande/<int:ticket_id>/identite-verifiee/", views.agent_verify, name="agent_verify"),
    path("equipe/demande/<int:ticket_id>/reinitialiser-otp/", views.agent_reset_otp, name="agent_reset_otp"),
    path("equipe/demande/<int:ticket_id>/lien-activation/", views.agent_send_link, name="agent_send_link"),
    path("equipe/demande/<int:ticket_id>/debloquer/", views.agent_unlock, name="agent_unlock"),
]
