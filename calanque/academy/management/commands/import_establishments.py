import sys

from django.core.management.base import BaseCommand, CommandError

from calanque.academy.actions import do_import_establishments
from calanque.academy.feeds import FeedError
from calanque.academy.management.commands.import_staff import academy_option, print_report, progress_bar, read_file


class Command(BaseCommand):
    help = "Importe ou met à jour les établissements depuis un fichier CSV (uai;nom;type;departement[;commune;assistance;adresse;code_postal])."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--academie", help="code ou domaine de l'académie (obligatoire s'il y en a plusieurs)")

    def handle(self, *args, **options):
        academy = academy_option(options["academie"])
        data = read_file(options["file"])
        try:
            report = do_import_establishments(academy, data, progress=progress_bar("Import"))
        except FeedError as exc:
            raise CommandError(f"{options['file']}, {exc}") from None
        print_report(self, options["file"], report)
        if report.rejected:
            sys.exit(1)
