"""Shared test base: the demo académie, loaded once per run into the test
database, and its personas."""

import time

import pyotp
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from calanque.academy.demo import DEMO_PASSWORD, load_demo
from calanque.academy.models import Staff
from calanque.accounts import actions
from calanque.core import clock as core_clock

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


@pytest.fixture
def deliver(mailoutbox):
    """Run the worker's delivery of queued e-mails; return every message
    sent so far in the test (Django's test outbox)."""

    def run():
        call_command("worker", "--once")
        return mailoutbox

    return run


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
