from django.core.management.base import BaseCommand, CommandError

from calanque.mail.actions import check_counters, purge_old_messages


class Command(BaseCommand):
    help = "Entretien du stockage du courrier : « check » vérifie les compteurs, « purge » vide les vieilles corbeilles."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "purge"])
        parser.add_argument("--corriger", action="store_true", help="avec check : corrige les écarts trouvés")
        parser.add_argument("--jours", type=int, default=30, help="avec purge : âge minimal (jours)")

    def handle(self, *args, **options):
        if options["action"] == "purge":
            self.stdout.write(f"{purge_old_messages(options['jours'])} message(s) supprimé(s).")
            return
        problems = check_counters(fix=options["corriger"])
        for problem in problems:
            self.stdout.write(problem)
        if problems and not options["corriger"]:
            raise CommandError(f"{len(problems)} écart(s) ; relancez avec --corriger pour les corriger.")
        self.stdout.write("Compteurs corrects." if not problems else f"{len(problems)} écart(s) corrigé(s).")
