"""The inbound SMTP server as `calanque smtpd` runs it (and the tests)."""

import ssl

from aiosmtpd.controller import Controller
from django.conf import settings

from calanque.smtp.handlers import InboundHandler


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    """STARTTLS when a certificate is configured (CALANQUE_SMTP_TLS_CERT/_KEY)."""
    if not cert or not key:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def build_controller(host: str, port: int, *, cert: str | None = None, key: str | None = None) -> Controller:
    return Controller(
        InboundHandler(), hostname=host, port=port, server_hostname=f"mx.{settings.CALANQUE_DOMAIN}",
        data_size_limit=settings.CALANQUE_SMTP_MAX_SIZE, enable_SMTPUTF8=True, decode_data=False,
        tls_context=tls_context(cert, key), require_starttls=False,
    )
