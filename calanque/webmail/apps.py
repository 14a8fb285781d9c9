from django.apps import AppConfig


class WebmailConfig(AppConfig):
    name = "calanque.webmail"
    label = "webmail"
    verbose_name = "Messagerie"
