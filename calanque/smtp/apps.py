from django.apps import AppConfig


class SmtpConfig(AppConfig):
    name = "calanque.smtp"
    label = "smtp"
    verbose_name = "SMTP"
