import logging
import signal
import threading

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand

from calanque.smtp.handlers import InboundHandler

log = logging.getLogger("calanque.smtpd")


class Command(BaseCommand):
    help = "Serveur SMTP entrant (aiosmtpd)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.CALANQUE_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.CALANQUE_SMTP_PORT)

    def handle(self, *args, **options):
        controller = Controller(
            InboundHandler(), hostname=options["host"], port=options["port"],
            server_hostname=f"mx.{settings.CALANQUE_DOMAIN}", data_size_limit=settings.CALANQUE_SMTP_MAX_SIZE,
            enable_SMTPUTF8=True, decode_data=False,
        )
        controller.start()
        log.info("SMTP à l'écoute sur %s:%s", options["host"], options["port"])
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        controller.stop()
