from django.core.management.base import BaseCommand, CommandError

from calanque.academy.actions import AcademyConfigError, do_setup_academy, load_academy_description


class Command(BaseCommand):
    help = (
        "Crée ou met à jour une académie, ses départements, leurs DSDEN et le Rectorat, "
        "depuis le catalogue (aix-marseille, nice) ou un fichier JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("academy", help="code du catalogue (aix-marseille, nice) ou chemin d'un fichier .json")
        parser.add_argument("--domaine", help="domaine de messagerie, s'il diffère de celui du catalogue")

    def handle(self, *args, **options):
        try:
            academy = do_setup_academy(load_academy_description(options["academy"]), domain=options["domaine"])
        except AcademyConfigError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{academy.name} (@{academy.domain}) : {academy.departments.count()} département(s).")
