"""Shared test base: the demo académie, loaded once per run into the test
database, and its personas."""

import socket
import time
from dataclasses import dataclass

import pyotp
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from calanque.academy.demo import DEMO_PASSWORD, load_demo
from calanque.academy.models import Staff
from calanque.accounts import actions
from calanque.core import clock as core_clock
from calanque.mail import blobs
from calanque.mail.models import OutboundMessage
from calanque.mail.parsing import parse
from calanque.smtp.server import build_controller

PERSONAS = {
    "teacher_13": "lea.garnier",  # premier degré, école in the 13
    "secondary_teacher": "hugo.bernard",  # second degré, collège in the 84
    "administrative": "nadia.rousseau",
    "dsden13_agent": "julien.morel",
    "establishment_agent": "sophie.lambert",
    "rectorat_agent": "karim.fontaine",
    "admin": "claire.dubois",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo(size=80)


@pytest.fixture
def persona(db):
    """persona("teacher_13") → the demo Staff of that role."""

    def get(role: str) -> Staff:
        return Staff.objects.get(identifier=PERSONAS[role])

    return get


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


class Clock:
    """The domain clock, moved by hand."""

    def __init__(self):
        self.t = time.time()

    def __call__(self):
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(core_clock, "now", fake)
    return fake


def ready_account(staff: Staff) -> pyotp.TOTP:
    """Bring ``staff`` past the first sign-in (charter, OTP key, recovery codes,
    recovery address) through the actions; return their authenticator."""
    client = actions.Client("127.0.0.1", "tests")
    actions.do_accept_charter(staff, client)
    key = actions.pending_key(staff)
    totp = pyotp.TOTP(key)
    result = actions.do_confirm_otp_activation(staff, totp.at(core_clock.now() - 30), client)
    assert result.ok, result.error
    actions.do_acknowledge_recovery_codes(staff)
    actions.do_set_recovery_email(staff, staff.recovery_email or "secours@example.org", client,
                                  base_url="http://testserver/")
    return totp


@dataclass
class SentMail:
    to: list[str]
    subject: str
    body: str


class Outbound:
    """The messages that left for outside addresses, read back from the
    real outbound queue after the worker ran."""

    def __init__(self):
        self.after = 0

    def __call__(self) -> list[SentMail]:
        call_command("worker", "--once")
        rows = OutboundMessage.objects.filter(pk__gt=self.after).order_by("id")
        return [SentMail([r.recipient], r.subject, parse(blobs.store().get(r.sha256)).text) for r in rows]

    def forget(self) -> None:
        """Ignore what was sent so far."""
        self.after = OutboundMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def deliver():
    """deliver() runs the worker once and returns the messages sent outside
    since the test began (or since deliver.forget())."""
    return Outbound()


@pytest.fixture
def signed_in(persona):
    """signed_in("teacher_13") → an HTTP client with that persona's session
    (first sign-in completed)."""

    def make(role: str) -> Client:
        staff = persona(role)
        ready_account(staff)
        client = Client()
        client.force_login(staff, backend="calanque.accounts.backends.StaffBackend")
        return client

    return make


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_world(transactional_db, settings, tmp_path):
    """Real commits (the SMTP server writes from its own threads): the demo
    académie is loaded afresh, blobs go to a temporary home."""
    settings.CALANQUE_HOME = tmp_path
    settings.CALANQUE_SMTP_CLOSE_CONNECTIONS = True
    # Nobody signs in here: a fast hash keeps the reload of the demo cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    blobs.store.cache_clear()
    load_demo(size=20)
    yield tmp_path
    blobs.store.cache_clear()


@pytest.fixture
def smtp_server(mail_world, settings):
    controller = build_controller("127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()
