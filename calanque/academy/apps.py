from django.apps import AppConfig


class AcademyConfig(AppConfig):
    name = "calanque.academy"
    label = "academy"
    verbose_name = "Académie"
