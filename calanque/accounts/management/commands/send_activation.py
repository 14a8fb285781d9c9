import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from calanque.academy.management.commands.import_staff import academy_option
from calanque.academy.models import Staff
from calanque.accounts.actions import Client
from calanque.accounts.recovery import do_send_activation_link


class Command(BaseCommand):
    help = (
        "Envoie un lien d'activation (premier mot de passe) à l'adresse de secours des comptes : "
        "par défaut tous les comptes actifs sans mot de passe, ou les identifiants donnés."
    )

    def add_arguments(self, parser):
        parser.add_argument("identifiers", nargs="*", help="identifiants (prenom.nom) ; par défaut tous les comptes sans mot de passe")
        parser.add_argument("--academie", help="code ou domaine de l'académie (obligatoire s'il y en a plusieurs)")

    def handle(self, *args, **options):
        academy = academy_option(options["academie"])
        people = Staff.objects.filter(academy=academy, is_active=True).select_related("academy")
        if options["identifiers"]:
            wanted = [i.strip().lower() for i in options["identifiers"]]
            people = people.filter(identifier__in=wanted)
            unknown = sorted(set(wanted) - set(people.values_list("identifier", flat=True)))
            if unknown:
                raise CommandError(f"identifiant(s) inconnu(s) ou désactivé(s) : {', '.join(unknown)}")
        else:
            people = people.filter(password__startswith="!")
        base_url = settings.CALANQUE_PUBLIC_URL
        client = Client(None, "calanque send-activation")
        sent = skipped = 0
        for staff in tqdm(list(people.order_by("identifier")), desc="Liens", unit=" comptes", file=sys.stderr,
                          disable=None, leave=False):
            if do_send_activation_link(None, staff, client, base_url=base_url):
                sent += 1
            else:
                skipped += 1
                self.stderr.write(f"{staff.identifier} : pas d'adresse de secours, lien non envoyé")
        self.stdout.write(f"{sent} lien(s) mis en file d'envoi, {skipped} compte(s) sans adresse de secours.")
