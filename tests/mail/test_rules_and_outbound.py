"""Forwarding, absence replies, the outbound queue to a real SMTP relay, and
non-delivery reports — through the inbound SMTP port and the worker."""

import smtplib
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from calanque.academy.models import Staff
from calanque.mail import outbound, sending
from calanque.mail.delivery import mailbox_for
from calanque.mail.models import Mailbox, Message, OutboundMessage
from calanque.mail.parsing import parse
from tests.conftest import free_port


class Relay:
    """A real SMTP server standing for the académie's relay; it refuses
    addresses starting with ``refuse`` (550) or ``later`` (450)."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("refuse"):
            return "550 5.1.1 No such user"
        if address.startswith("later"):
            return "450 4.2.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def relay(settings, mail_world):
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_SSL, settings.EMAIL_HOST_USER = False, ""
    yield handler
    controller.stop()


def inbound(server, to, *, sender="jean@example.com", subject="Réunion", headers=""):
    raw = (f"From: {sender or 'MAILER-DAEMON'}\r\nTo: {to}\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '-')}.{to.split('@')[0]}@example.com>\r\n{headers}\r\nBonjour.\r\n").encode()
    with smtplib.SMTP(server.hostname, server.port, timeout=20) as client:
        client.sendmail(sender, [to], raw)


def worker():
    call_command("worker", "--once")


def copies(identifier):
    return Message.objects.filter(mailbox__staff__identifier=identifier).count()


def test_forwarding_outside_keeps_a_copy_and_goes_through_the_relay(smtp_server, relay):
    lea = Staff.objects.get(identifier="lea.garnier")
    Mailbox.objects.filter(pk=mailbox_for(lea).pk).update(forward_to="lea@example.net", forward_keep_copy=True)
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr")
    assert copies("lea.garnier") == 1
    worker()
    [(mail_from, rcpt, data)] = relay.received
    assert rcpt == ["lea@example.net"] and mail_from == "lea.garnier@ac-aix-marseille.fr"
    assert data.startswith(b"Delivered-To: lea.garnier@ac-aix-marseille.fr\r\nReceived: ")
    assert OutboundMessage.objects.get().status == "sent"


def test_forwarding_to_a_colleague_without_a_copy(smtp_server):
    lea = Staff.objects.get(identifier="lea.garnier")
    Mailbox.objects.filter(pk=mailbox_for(lea).pk).update(forward_to="hugo.bernard@ac-aix-marseille.fr",
                                                          forward_keep_copy=False)
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr")
    assert (copies("lea.garnier"), copies("hugo.bernard")) == (0, 1)


def test_a_forwarding_loop_stops_and_keeps_the_message(smtp_server):
    for me, other in (("lea.garnier", "hugo.bernard"), ("hugo.bernard", "lea.garnier")):
        staff = Staff.objects.get(identifier=me)
        Mailbox.objects.filter(pk=mailbox_for(staff).pk).update(
            forward_to=f"{other}@ac-aix-marseille.fr", forward_keep_copy=False)
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr")
    assert copies("lea.garnier") + copies("hugo.bernard") == 1


def test_the_absence_reply_goes_once_per_sender_and_never_to_automatic_mail(smtp_server, relay):
    lea = Staff.objects.get(identifier="lea.garnier")
    Mailbox.objects.filter(pk=mailbox_for(lea).pk).update(
        vacation_enabled=True, vacation_start=timezone.localdate(), vacation_end=timezone.localdate() + timedelta(days=3),
        vacation_subject="Absente", vacation_text="Je suis en formation jusqu'à jeudi.")
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr", subject="Premier")
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr", subject="Second")
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr", sender="liste@example.org", subject="Liste",
            headers="List-Id: <enseignants.example.org>\r\n")
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr", sender="robot@example.org", subject="Robot",
            headers="Auto-Submitted: auto-generated\r\n")
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr", sender="", subject="Rebond")
    worker()
    assert [(m, r) for m, r, _ in relay.received] == [("<>", ["jean@example.com"])]  # null envelope sender
    reply = relay.received[0][2]
    assert b"Auto-Submitted: auto-replied" in reply and b"Subject: Absente" in reply
    assert parse(reply).in_reply_to == "<Premier.lea.garnier@example.com>"
    assert copies("lea.garnier") == 5


def test_a_refused_recipient_bounces_in_french_into_the_sender_inbox(smtp_server, relay):
    lea = Staff.objects.get(identifier="lea.garnier")
    with_rules = mailbox_for(lea)
    Mailbox.objects.filter(pk=with_rules.pk).update(forward_to="refuse@example.net")
    inbound(smtp_server, "lea.garnier@ac-aix-marseille.fr")
    worker()
    assert OutboundMessage.objects.get().status == "failed"
    report = Message.objects.filter(mailbox__staff=lea, content__subject="Message non remis").select_related("content")
    assert report.count() == 1
    assert "refuse@example.net" in report.get().content.preview


def test_a_temporary_refusal_is_retried_later(smtp_server, relay):
    sending.send_message(b"Subject: essai\r\n\r\nx\r\n", "lea.garnier@ac-aix-marseille.fr", ["later@example.net"],
                         sender=Staff.objects.get(identifier="lea.garnier"))
    worker()
    row = OutboundMessage.objects.get()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at > timezone.now() and row.last_error.startswith("450")
    worker()
    assert OutboundMessage.objects.get().attempts == 1  # not due yet


def test_two_workers_never_send_a_message_twice(smtp_server, relay):
    from django.db import OperationalError, connection

    for n in range(30):
        sending.send_message(f"Subject: n{n}\r\n\r\nx\r\n".encode(), "", [f"dest{n}@example.net"])
    errors = []

    def work():
        try:
            outbound.relay_due()
        except OperationalError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # PostgreSQL: rows are claimed with SKIP LOCKED, no worker waits or fails.
    # The in-memory SQLite test database uses a shared cache, which answers
    # "table is locked" instead of waiting (the on-disk database waits on its
    # busy timeout); what matters on both is that nothing is sent twice.
    if connection.vendor == "postgresql":
        assert errors == []
    elif errors:
        # A thread that met that lock gave its unsent rows back, unless the
        # lock refused that too: then they wait for their claim to expire.
        OutboundMessage.objects.filter(status="queued").update(claimed_until=None)
    worker()
    recipients = [r[0] for _f, r, _d in relay.received]
    assert sorted(recipients) == sorted(f"dest{n}@example.net" for n in range(30))
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_outgoing_mail_is_dkim_signed_when_a_key_is_configured(smtp_server, relay, settings, tmp_path):
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "dkim.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.TraditionalOpenSSL,
                                                          serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    settings.CALANQUE_DKIM_KEY_FILE, settings.CALANQUE_DKIM_SELECTOR = str(tmp_path / "dkim.pem"), "s2026"
    lea = Staff.objects.get(identifier="lea.garnier")
    raw = (b"From: Lea Garnier <lea.garnier@ac-aix-marseille.fr>\r\nTo: parent@example.net\r\n"
           b"Subject: Sortie scolaire\r\nMessage-ID: <sortie@ac-aix-marseille.fr>\r\n\r\nBonjour.\r\n")
    sending.send_message(raw, lea.email, ["parent@example.net"], sender=lea)
    worker()
    [(_f, _r, data)] = relay.received
    assert data.startswith(b"DKIM-Signature:")
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"s2026._domainkey.ac-aix-marseille.fr." else None

    assert dkim.verify(data, dnsfunc=dns)
