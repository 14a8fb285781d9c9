import logging
import signal
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

log = logging.getLogger("calanque.worker")


class Command(BaseCommand):
    help = "Travaux de fond : nettoyage périodique (sessions expirées). Sans état ; plusieurs peuvent tourner."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=300, help="secondes entre deux passes")
        parser.add_argument("--once", action="store_true", help="une seule passe, puis s'arrêter")

    def handle(self, *args, **options):
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        log.info("worker prêt")
        while not stop.is_set():
            call_command("clearsessions")
            if options["once"]:
                break
            stop.wait(options["interval"])
        log.info("worker arrêté")
