from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "calanque.assistance"
    label = "assistance"
    verbose_name = "Assistance"
