from django.urls import path

from calanque.accounts import recovery_views, views

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
    path("adresse-de-secours/", views.recovery_email, name="recovery_email"),
    path("adresse-de-secours/verifier/<str:token>/", views.verify_recovery_email, name="verify_recovery_email"),
    path("oubli/mot-de-passe/", recovery_views.forgot_password, name="forgot_password"),
    path("oubli/identifiant/", recovery_views.forgot_identifier, name="forgot_identifier"),
    path("lien/<str:token>/", recovery_views.open_link, name="open_link"),
    path("nouveau-mot-de-passe/", recovery_views.new_password, name="new_password"),
    path("nouveau-mot-de-passe/code/", recovery_views.link_code, name="link_code"),
    path("nouveau-mot-de-passe/code-de-secours/", recovery_views.link_recovery_code, name="link_recovery_code"),
    path("securite/mot-de-passe/", recovery_views.change_password, name="change_password"),
    path("securite/", views.security, name="security"),
    path("securite/deconnecter-les-autres/", views.sign_out_others, name="sign_out_others"),
    path("securite/nouveaux-codes/", views.regenerate_recovery_codes, name="regenerate_recovery_codes"),
    path("securite/nouvel-appareil/", views.replace_device, name="replace_device"),
    path("activations/", views.activation_dashboard, name="activation_dashboard"),
    path("assistance/activation/", recovery_views.agent_activation, name="agent_activation"),
]
