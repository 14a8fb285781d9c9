from django.urls import path

from calanque.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("academie/", views.choose_academy, name="choose_academy"),
    path("aide/connexion/", views.help_signin, name="help_signin"),
    path("demo/boite-d-envoi/", views.demo_outbox, name="demo_outbox"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
]
