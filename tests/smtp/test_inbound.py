"""The inbound SMTP port, through a real SMTP client over a socket."""

import smtplib
import socket
from email import policy
from email.message import EmailMessage

import pytest

from calanque.academy.models import Academy, Staff
from calanque.mail import blobs
from calanque.mail.delivery import mailbox_for
from calanque.mail.models import Content, Folder, Mailbox, Message
from calanque.smtp.server import build_controller
from tests.conftest import free_port


def client_for(server):
    client = smtplib.SMTP(server.hostname, server.port, timeout=20)
    client.ehlo("client.example.org")
    return client


def wire(msg) -> bytes:
    """The bytes an SMTP client sends (CRLF line ends)."""
    return msg.as_bytes(policy=policy.SMTP)


def message(to="lea.garnier@ac-aix-marseille.fr", subject="Réunion de rentrée", body="La réunion a lieu lundi."):
    msg = EmailMessage()
    msg["From"] = "Jean Externe <jean@example.com>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<essai-1@example.com>"
    msg.set_content(body)
    return msg


def test_rcpt_refuses_an_unknown_colleague_before_data(smtp_server):
    with client_for(smtp_server) as client:
        client.mail("someone@example.org")
        code, text = client.rcpt("personne.inconnue@ac-aix-marseille.fr")
    assert code == 550 and b"5.1.1" in text


def test_rcpt_refuses_a_disabled_account(smtp_server):
    Staff.objects.filter(identifier="hugo.bernard").update(is_active=False)
    with client_for(smtp_server) as client:
        client.mail("someone@example.org")
        code, _ = client.rcpt("hugo.bernard@ac-aix-marseille.fr")
    assert code == 550


def test_rcpt_refuses_to_relay_for_other_domains(smtp_server):
    with client_for(smtp_server) as client:
        client.mail("someone@example.org")
        code, text = client.rcpt("quelquun@example.com")
    assert code == 550 and b"5.7.1" in text


def test_a_message_to_two_colleagues_is_stored_once_and_lands_in_both_inboxes(smtp_server):
    msg = message(to="Lea.Garnier@AC-AIX-MARSEILLE.FR, hugo.bernard@ac-aix-marseille.fr")
    original = wire(msg)
    with client_for(smtp_server) as client:
        refused = client.sendmail("jean@example.com", ["Lea.Garnier@AC-AIX-MARSEILLE.FR",
                                                       "hugo.bernard@ac-aix-marseille.fr"], original)
    assert refused == {}
    copies = Message.objects.select_related("folder", "content", "mailbox__staff")
    assert sorted(c.mailbox.staff.identifier for c in copies) == ["hugo.bernard", "lea.garnier"]
    assert {c.folder.special for c in copies} == {"inbox"} and {c.uid for c in copies} == {1}
    assert Content.objects.count() == 1
    stored = blobs.store().get(Content.objects.get().sha256)
    assert stored.startswith(b"Received: from client.example.org")
    assert stored.endswith(original)  # byte for byte, after our Received header
    inbox = Folder.objects.get(mailbox__staff__identifier="lea.garnier", special="inbox")
    assert (inbox.total, inbox.unread, inbox.size_bytes, inbox.uid_next) == (1, 1, len(stored), 2)
    assert Mailbox.objects.get(staff__identifier="lea.garnier").used_bytes == len(stored)
    lea = copies.get(mailbox__staff__identifier="lea.garnier")
    assert lea.content.subject == "Réunion de rentrée" and lea.content.from_address == "jean@example.com"


def test_a_full_mailbox_is_refused_temporarily_before_data(smtp_server):
    lea = Staff.objects.get(identifier="lea.garnier")
    Staff.objects.filter(pk=lea.pk).update(quota_mb=1)
    mailbox = mailbox_for(lea)
    Mailbox.objects.filter(pk=mailbox.pk).update(used_bytes=1024 * 1024)
    with client_for(smtp_server) as client:
        client.mail("jean@example.com")
        code, text = client.rcpt("lea.garnier@ac-aix-marseille.fr")
    assert code == 452 and b"4.2.2" in text
    Academy.objects.update(quota_refusal_permanent=True)
    with client_for(smtp_server) as client:
        client.mail("jean@example.com")
        code, text = client.rcpt("lea.garnier@ac-aix-marseille.fr")
    assert code == 552 and b"5.2.2" in text


def test_crossing_80_percent_puts_one_warning_in_the_inbox(smtp_server):
    lea = Staff.objects.get(identifier="lea.garnier")
    Staff.objects.filter(pk=lea.pk).update(quota_mb=1)
    Mailbox.objects.filter(pk=mailbox_for(lea).pk).update(used_bytes=int(0.79 * 1024 * 1024))
    body = ("x" * 70 + "\n") * 300
    with client_for(smtp_server) as client:
        for n in range(2):
            client.sendmail("jean@example.com", ["lea.garnier@ac-aix-marseille.fr"],
                            wire(message(subject=f"Gros message {n}", body=body)))
    subjects = list(Message.objects.filter(mailbox__staff=lea).values_list("content__subject", flat=True))
    assert subjects.count("Votre boîte aux lettres est remplie à 80 %") == 1
    assert len(subjects) == 3


def test_a_message_announced_above_the_size_limit_is_refused_at_mail_from(smtp_server, settings):
    with client_for(smtp_server) as client:
        limit = int(client.esmtp_features["size"])
        assert limit == settings.CALANQUE_SMTP_MAX_SIZE
        code, text = client.mail("jean@example.com", options=[f"SIZE={limit + 1}"])
    assert code == 552 and text.startswith(b"5.3.4")
    assert not Message.objects.exists()


def test_a_message_above_the_size_limit_is_refused_after_data_with_5_3_4(smtp_server, settings):
    settings.CALANQUE_SMTP_MAX_SIZE = 2000
    controller = build_controller("127.0.0.1", free_port())
    controller.start()
    try:
        with client_for(controller) as client:
            client.mail("jean@example.com")
            client.rcpt("lea.garnier@ac-aix-marseille.fr")
            code, text = client.data(wire(message(body=("x" * 70 + "\n") * 40)))
    finally:
        controller.stop()
    assert code == 552 and text.startswith(b"5.3.4") and b"2000" in text
    assert not Message.objects.exists()


def test_pipelined_commands_in_one_write_are_answered_in_order(smtp_server):
    raw = wire(message(subject="En une seule écriture"))
    with socket.create_connection((smtp_server.hostname, smtp_server.port), timeout=20) as sock:
        reader = sock.makefile("rb")
        reader.readline()  # greeting
        sock.sendall(b"EHLO client.example.org\r\n")
        features = []
        while not (line := reader.readline()).startswith(b"250 "):
            features.append(line)
        assert b"250-PIPELINING\r\n" in features
        sock.sendall(b"MAIL FROM:<jean@example.com>\r\n"
                     b"RCPT TO:<lea.garnier@ac-aix-marseille.fr>\r\n"
                     b"RCPT TO:<personne.inconnue@ac-aix-marseille.fr>\r\n"
                     b"RCPT TO:<hugo.bernard@ac-aix-marseille.fr>\r\n"
                     b"DATA\r\n")
        answers = [reader.readline()[:3] for _ in range(5)]
        assert answers == [b"250", b"250", b"550", b"250", b"354"]
        sock.sendall(raw + b".\r\nQUIT\r\n")
        assert reader.readline().startswith(b"250 ")
        assert reader.readline().startswith(b"221")
    owners = set(Message.objects.filter(content__subject="En une seule écriture")
                 .values_list("mailbox__staff__identifier", flat=True))
    assert owners == {"lea.garnier", "hugo.bernard"}


def test_a_dot_line_with_bare_newlines_never_splits_a_message(smtp_server):
    raw = (b"From: jean@example.com\r\nTo: lea.garnier@ac-aix-marseille.fr\r\nSubject: contrebande\r\n\r\n"
           b"avant\n.\nMAIL FROM:<pirate@example.com>\r\nRCPT TO:<hugo.bernard@ac-aix-marseille.fr>\r\napres\r\n")
    with client_for(smtp_server) as client:
        client.sendmail("jean@example.com", ["lea.garnier@ac-aix-marseille.fr"], raw)
    assert Message.objects.count() == 1
    assert not Message.objects.filter(mailbox__staff__identifier="hugo.bernard").exists()
    assert b"pirate@example.com" in blobs.store().get(Content.objects.get().sha256)


def test_utf8_addresses_and_8bit_bodies_are_accepted(smtp_server):
    raw = ("From: Élodie <élodie@exemple.fr>\r\nTo: lea.garnier@ac-aix-marseille.fr\r\n"
           "Subject: Café à 10 h\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nÀ tout à l'heure.\r\n").encode()
    with client_for(smtp_server) as client:
        client.sendmail("élodie@exemple.fr", ["lea.garnier@ac-aix-marseille.fr"], raw,
                        mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    content = Content.objects.get()
    assert content.subject == "Café à 10 h" and content.preview == "À tout à l'heure."


@pytest.mark.parametrize("query", ["reunion", "RÉUNIONS", "lundi", "jean@example.com", "externe"])
def test_delivered_mail_is_searchable_in_french(smtp_server, query):
    from calanque.mail.search import search_messages

    with client_for(smtp_server) as client:
        client.sendmail("jean@example.com", ["lea.garnier@ac-aix-marseille.fr"], wire(message()))
        client.sendmail("jean@example.com", ["lea.garnier@ac-aix-marseille.fr"],
                        wire(message(subject="Conseil de classe", body="Ordre du jour joint.")))
    mailbox = Mailbox.objects.get(staff__identifier="lea.garnier")
    found = [m.content.subject for m in search_messages(mailbox, query).select_related("content")]
    if query in ("jean@example.com", "externe"):
        assert len(found) == 2
    else:
        assert found == ["Réunion de rentrée"]
    hugo = mailbox_for(Staff.objects.get(identifier="hugo.bernard"))
    assert not search_messages(hugo, query).exists()  # nobody else's mail


def test_starttls_is_offered_when_a_certificate_is_configured(mail_world, tmp_path):
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from calanque.smtp.server import build_controller
    from tests.conftest import free_port

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mx.ac-aix-marseille.fr")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    controller = build_controller("127.0.0.1", free_port(), cert=str(tmp_path / "cert.pem"),
                                  key=str(tmp_path / "key.pem"))
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port, timeout=20) as client:
            client.ehlo("client.example.org")
            assert client.has_extn("starttls")
            client.starttls(context=ssl._create_unverified_context())
            client.ehlo("client.example.org")
            client.sendmail("jean@example.com", ["lea.garnier@ac-aix-marseille.fr"], wire(message()))
    finally:
        controller.stop()
    assert Message.objects.filter(mailbox__staff__identifier="lea.garnier").count() == 1
