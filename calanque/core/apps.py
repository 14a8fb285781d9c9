from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "calanque.core"
    label = "core"
    verbose_name = "Portail"
