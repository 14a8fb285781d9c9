from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "calanque.accounts"
    label = "accounts"
    verbose_name = "Comptes et connexion"
