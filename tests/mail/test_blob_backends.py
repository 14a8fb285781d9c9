"""The two blob backends behind one interface: the local directory (embedded
default) and an S3-compatible object store (here moto's S3 server, a real HTTP
server on a socket). Mail goes in through the SMTP port; bytes must come back
exactly as they were sent."""

import hashlib
import os
import secrets
import smtplib
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest

from calanque.mail import blobs
from calanque.mail.models import Content, Message
from tests.conftest import free_port

BODY = "Bonjour à toutes et à tous,\n\nLa réunion de rentrée aura lieu lundi en salle 12.\n" * 40


def circular(to: list[str]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Secrétariat <secretariat@example.org>"
    msg["To"] = ", ".join(to)
    msg["Subject"] = "Circulaire de rentrée"
    msg["Message-ID"] = f"<{secrets.token_hex(8)}@example.org>"
    msg.set_content(BODY)
    msg.add_attachment(os.urandom(3000), maintype="application", subtype="octet-stream", filename="tirage.bin")
    return msg.as_bytes(policy=policy.SMTP)


def send(server, to: list[str], raw: bytes) -> None:
    with smtplib.SMTP(server.hostname, server.port, timeout=20) as client:
        assert client.sendmail("secretariat@example.org", to, raw) == {}


TO = ["lea.garnier@ac-aix-marseille.fr", "hugo.bernard@ac-aix-marseille.fr"]


def test_local_blobs_are_compressed_on_disk_and_read_back_byte_for_byte(smtp_server, mail_world):
    raw = circular(TO)
    send(smtp_server, TO, raw)
    content = Content.objects.get()
    files = [p for p in (mail_world / "blobs").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [content.sha256]
    assert files[0].stat().st_size < content.size * 0.8  # text compresses
    assert blobs.store().get(content.sha256).endswith(raw)


def test_incompressible_bytes_are_stored_as_they_are_and_come_back_identical(mail_world):
    noise = os.urandom(5000)
    sha = blobs.store().put(noise)
    assert blobs.store().get(sha) == noise
    # Bytes that look like our own headers are data like any other.
    for tricky in (b"CQ\0z" + os.urandom(50), b"CQ\0r", b"z", b"r", b""):
        assert blobs.store().get(blobs.store().put(tricky)) == tricky


def test_blobs_written_before_compression_are_still_read(mail_world):
    raw = b"Received: from ancien\r\nSubject: avant la compression\r\n\r\nTexte.\r\n"
    sha = hashlib.sha256(raw).hexdigest()
    path = mail_world / "blobs" / sha[:2] / sha[2:4] / sha
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)  # as the first version of the store wrote it
    assert blobs.store().get(sha) == raw
    assert blobs.store().put(raw) == sha and path.read_bytes() == raw


@pytest.fixture
def s3_server():
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="essai", aws_secret_access_key="essai")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket="calanque-courrier")
            break
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.2)
    yield endpoint, client
    process.terminate()
    process.wait(10)


@pytest.fixture
def s3_world(s3_server, mail_world, settings):
    endpoint, client = s3_server
    settings.CALANQUE_BLOB_BACKEND = "calanque.mail.blobs.S3BlobStore"
    settings.CALANQUE_S3_ENDPOINT = endpoint
    settings.CALANQUE_S3_BUCKET = "calanque-courrier"
    settings.CALANQUE_S3_ACCESS_KEY = settings.CALANQUE_S3_SECRET_KEY = "essai"
    blobs.store.cache_clear()
    yield client
    blobs.store.cache_clear()


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket="calanque-courrier").get("Contents", [])]


def test_mail_delivered_over_smtp_is_kept_once_in_the_object_store(s3_world, smtp_server, mail_world):
    raw = circular(TO)
    send(smtp_server, TO, raw)
    assert Message.objects.count() == 2
    content = Content.objects.get()
    assert keys(s3_world) == [f"blobs/{content.sha256[:2]}/{content.sha256[2:4]}/{content.sha256}"]
    assert not (mail_world / "blobs").exists()  # nothing on the local disk
    stored = blobs.store().get(content.sha256)
    assert stored.endswith(raw) and stored.startswith(b"Received: ")
    assert content.subject == "Circulaire de rentrée"


def test_the_object_store_answers_the_same_interface(s3_world):
    store = blobs.store()
    data = b"Piece jointe\r\n" * 500
    sha = store.put(data)
    assert store.put(data) == sha and len(keys(s3_world)) == 1  # idempotent
    assert store.exists(sha) and store.get(sha) == data
    store.delete(sha)
    assert not store.exists(sha) and keys(s3_world) == []
    with pytest.raises(FileNotFoundError):
        store.get(sha)
