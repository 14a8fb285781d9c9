"""The inbound SMTP server as `calanque smtpd` runs it (and the tests).

aiosmtpd does the protocol. Two things are added here: ``PIPELINING`` is
announced (aiosmtpd already reads commands from a buffered stream, so a
client may send MAIL, RCPT… and DATA in one write, RFC 2920), and its
fixed English refusals get enhanced status codes (RFC 3463) in French.
"""

import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.conf import settings

from calanque.smtp.handlers import InboundHandler


def _too_big() -> str:
    return f"552 5.3.4 Message trop volumineux : la limite est de {settings.CALANQUE_SMTP_MAX_SIZE} octets"


# aiosmtpd's own answers (smtp.py) → ours, with an enhanced status code.
_ANSWERS = {
    "552 Error: message size exceeds fixed maximum message size": _too_big,
    "552 Error: Too much mail data": _too_big,
    "500 Line too long (see RFC5321 4.5.3.1.6)":
        lambda: "500 5.5.2 Ligne trop longue : 998 caractères au plus par ligne (RFC 5321)",
}


class CalanqueSMTP(SMTP):
    async def push(self, status: str):
        answer = _ANSWERS.get(status)
        await super().push(answer() if answer else status)


class CalanqueController(Controller):
    """``shared_port``: several processes listen on the same port
    (SO_REUSEPORT, the kernel spreads connections over them)."""

    def __init__(self, *args, shared_port: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.shared_port = shared_port

    def factory(self):
        return CalanqueSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, host=self.hostname, port=self.port,
                                       ssl=self.ssl_context, reuse_port=self.shared_port)

    def _trigger_server(self):
        if not self.shared_port:
            return super()._trigger_server()
        # A test connection could reach a sibling process: build the protocol
        # object in our own loop instead, which is all aiosmtpd checks.
        self.loop.call_soon_threadsafe(self._factory_invoker)


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    """STARTTLS when a certificate is configured (CALANQUE_SMTP_TLS_CERT/_KEY)."""
    if not cert or not key:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def build_controller(host: str, port: int, *, cert: str | None = None, key: str | None = None,
                     shared_port: bool = False) -> Controller:
    return CalanqueController(
        InboundHandler(), hostname=host, port=port, server_hostname=f"mx.{settings.CALANQUE_DOMAIN}",
        data_size_limit=settings.CALANQUE_SMTP_MAX_SIZE, enable_SMTPUTF8=True, decode_data=False,
        tls_context=tls_context(cert, key), require_starttls=False, shared_port=shared_port,
    )
