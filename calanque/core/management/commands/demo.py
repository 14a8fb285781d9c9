import os
import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from calanque.academy.demo import load_demo, write_accounts_file


class Command(BaseCommand):
    help = "Lance tout Calanque avec l'académie de démonstration (web, SMTP, worker)."

    def add_arguments(self, parser):
        parser.add_argument("--load-only", action="store_true", help="charge les données de démonstration et s'arrête")
        parser.add_argument("--personnels", type=int, default=200, help="nombre de personnels inventés (200)")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        academy, accounts, _report = load_demo(size=options["personnels"])
        accounts_file = settings.CALANQUE_HOME / "demo-accounts.json"
        write_accounts_file(accounts_file, accounts)
        call_command("collectstatic", interactive=False, verbosity=0)

        out = self.stdout
        out.write("")
        out.write(f"Calanque — {academy.name} (démonstration)")
        out.write(f"  Portail : http://{settings.CALANQUE_HTTP_HOST}:{settings.CALANQUE_HTTP_PORT}/")
        out.write(f"  SMTP    : {settings.CALANQUE_SMTP_HOST}:{settings.CALANQUE_SMTP_PORT}")
        out.write(f"  Données : {settings.CALANQUE_HOME}")
        out.write("")
        out.write(f"Comptes de démonstration (mot de passe de chacun : {accounts[0].password}) :")
        width = max(len(a.identifier) for a in accounts)
        for a in accounts:
            out.write(f"  {a.identifier:<{width}}  {a.role} — {a.establishment}")
        out.write(f"(aussi dans {accounts_file})")
        teams = academy.support_teams.exclude(email="").order_by("kind", "name")
        out.write("Demandes d'assistance par courriel (SMTP ou messagerie) :")
        for team in teams:
            out.write(f"  {team.email:<{max(len(t.email) for t in teams)}}  {team.name}")
        out.write(f"Courriels envoyés : http://{settings.CALANQUE_HTTP_HOST}:{settings.CALANQUE_HTTP_PORT}/demo/boite-d-envoi/")
        out.write("Ctrl-C pour arrêter.")
        out.write("")
        if options["load_only"]:
            return
        self._run_all()

    def _run_all(self):
        commands = [["web", "--no-collectstatic"], ["smtpd"], ["worker"]]
        env = {**os.environ, "CALANQUE_DEMO": "true"}
        children = [subprocess.Popen([sys.executable, "-m", "calanque", *c], env=env) for c in commands]
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        # Stop everything as soon as one child dies or we are asked to.
        while not stop.wait(0.5):
            if any(child.poll() is not None for child in children):
                self.stderr.write("Un des processus s'est arrêté ; arrêt de la démonstration.")
                break
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Démonstration arrêtée.")
