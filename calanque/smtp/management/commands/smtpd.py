import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from calanque.smtp.server import build_controller

log = logging.getLogger("calanque.smtpd")


class Command(BaseCommand):
    help = "Serveur SMTP entrant (aiosmtpd)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.CALANQUE_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.CALANQUE_SMTP_PORT)

    def handle(self, *args, **options):
        controller = build_controller(options["host"], options["port"], cert=settings.CALANQUE_SMTP_TLS_CERT,
                                      key=settings.CALANQUE_SMTP_TLS_KEY)
        controller.start()
        log.info("SMTP à l'écoute sur %s:%s", options["host"], options["port"])
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        controller.stop()
