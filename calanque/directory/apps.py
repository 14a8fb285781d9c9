from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "calanque.directory"
    label = "directory"
    verbose_name = "Annuaire"
