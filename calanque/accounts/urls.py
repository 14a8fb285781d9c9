from django.urls import path

from calanque.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.SignInView.as_view(), name="login"),
    path("deconnexion/", views.sign_out, name="logout"),
]
