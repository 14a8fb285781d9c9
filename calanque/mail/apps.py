from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "calanque.mail"
    label = "mail"
    verbose_name = "Courrier"
