"""The inbound SMTP port, through a real SMTP client over a socket."""

import smtplib
import socket

import pytest
from aiosmtpd.controller import Controller

from calanque.smtp.handlers import InboundHandler

pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    controller = Controller(InboundHandler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


def test_rcpt_refuses_an_unknown_colleague_before_data(smtp_server):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        client.ehlo("test.example.org")
        client.mail("someone@example.org")
        code, message = client.rcpt("personne.inconnue@ac-aix-marseille.fr")
    assert code == 550 and b"5.1.1" in message


def test_rcpt_refuses_to_relay_for_other_domains(smtp_server):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        client.ehlo("test.example.org")
        client.mail("someone@example.org")
        code, message = client.rcpt("quelquun@example.com")
    assert code == 550 and b"5.7.1" in message


def test_rcpt_accepts_a_known_colleague_whatever_the_case(smtp_server):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        client.ehlo("test.example.org")
        client.mail("someone@example.org")
        code, _ = client.rcpt("Lea.Garnier@AC-AIX-MARSEILLE.FR")
    assert code == 250


def test_data_is_deferred_until_the_store_exists_so_nothing_is_acknowledged_and_lost(smtp_server):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        client.ehlo("test.example.org")
        client.mail("someone@example.org")
        client.rcpt("lea.garnier@ac-aix-marseille.fr")
        code, message = client.data(b"Subject: essai\r\n\r\nBonjour\r\n")
    assert code == 451
