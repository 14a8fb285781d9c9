"""``calanque smtpd``: the inbound SMTP server.

With ``--processes N`` (``CALANQUE_SMTP_PROCESSES``), N processes listen on
the same port (SO_REUSEPORT): parsing and storing a message is Python work
that one process does on one core at a time. The first process starts the
others and stops them when it stops; a child whose parent dies is killed by
the kernel (PR_SET_PDEATHSIG), so no orphan keeps the port.
"""

import ctypes
import logging
import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from calanque.smtp.server import build_controller

log = logging.getLogger("calanque.smtpd")


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent still stops its children
        pass


class Command(BaseCommand):
    help = "Serveur SMTP entrant (aiosmtpd)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.CALANQUE_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.CALANQUE_SMTP_PORT)
        parser.add_argument("--processes", type=int, default=settings.CALANQUE_SMTP_PROCESSES,
                            help="processus qui écoutent le même port (défaut : CALANQUE_SMTP_PROCESSES)")

    def handle(self, *args, **options):
        processes = max(1, options["processes"])
        children = []
        connections.close_all()  # never share a database connection across fork()
        for _ in range(processes - 1):
            pid = os.fork()
            if pid == 0:
                _die_with_parent()
                children = []
                break
            children.append(pid)
        controller = build_controller(options["host"], options["port"], cert=settings.CALANQUE_SMTP_TLS_CERT,
                                      key=settings.CALANQUE_SMTP_TLS_KEY, shared_port=processes > 1)
        controller.start()
        if children or processes == 1:
            log.info("SMTP à l'écoute sur %s:%s (%d processus)", options["host"], options["port"], processes)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(1.0):
            for pid in list(children):
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, 0
                if done:
                    children.remove(pid)
                    log.error("le processus SMTP %d s'est arrêté (état %d) ; les autres continuent", pid, status)
        controller.stop()
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
