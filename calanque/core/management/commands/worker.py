import logging
import signal
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from calanque.accounts import recovery
from calanque.accounts.actions import send_password_reminders
from calanque.assistance.actions import close_resolved
from calanque.mail import outbound
from calanque.mail.actions import purge_old_messages
from calanque.webmail.actions import release_due_sends

log = logging.getLogger("calanque.worker")


class Command(BaseCommand):
    help = (
        "Travaux de fond : réponses aux demandes de récupération, file d'envoi vers le relais, "
        "nettoyage périodique (sessions expirées, corbeilles de plus de 30 jours). "
        "Sans état ; plusieurs peuvent tourner."
    )

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=2.0, help="secondes entre deux relèves de la file")
        parser.add_argument("--housekeeping", type=int, default=300, help="secondes entre deux nettoyages")
        parser.add_argument("--once", action="store_true", help="une seule passe, puis s'arrêter")

    def handle(self, *args, **options):
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        log.info("worker prêt")
        last_housekeeping = 0.0
        while not stop.is_set():
            recovery.process_requests()
            release_due_sends()  # « Annuler l'envoi » window over: send, before relaying
            sent = outbound.relay_due()
            if sent:
                log.info("%d courriel(s) envoyé(s)", sent)
            if time.monotonic() - last_housekeeping > options["housekeeping"] or options["once"]:
                call_command("clearsessions")
                purge_old_messages()
                send_password_reminders()
                close_resolved()
                last_housekeeping = time.monotonic()
            if options["once"]:
                break
            # Between passes, drop connections the database closed or that
            # outlived CONN_MAX_AGE, as Django does between requests.
            close_old_connections()
            stop.wait(options["poll"])
        log.info("worker arrêté")
