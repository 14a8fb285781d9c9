from django.urls import path

from calanque.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.sign_in, name="login"),
    path("connexion/code/", views.code, name="code"),
    path("connexion/code-de-secours/", views.recovery_code, name="recovery_code"),
    path("deconnexion/", views.sign_out, name="logout"),
    path("bienvenue/charte/", views.charter, name="charter"),
    path("bienvenue/cle-otp/", views.activate_otp, name="activate_otp"),
    path("bienvenue/codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path("bienvenue/codes-de-secours.txt", views.recovery_codes_file, name="recovery_codes_file"),
    path("bienvenue/adresse-de-secours/", views.recovery_email, name="recovery_email"),
    path("adresse-de-secours/<str:token>/", views.verify_recovery_email, name="verify_recovery_email"),
    path("securite/", views.security, name="security"),
    path("securite/deconnecter-les-autres/", views.sign_out_others, name="sign_out_others"),
    path("securite/nouveaux-codes/", views.regenerate_recovery_codes, name="regenerate_recovery_codes"),
    path("securite/nouvel-appareil/", views.replace_device, name="replace_device"),
    path("activations/", views.activation_dashboard, name="activation_dashboard"),
]
