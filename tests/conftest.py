"""Shared test base: the demo académie, loaded once per run into the test
database, and its personas."""

import pytest
from django.test import Client

from calanque.academy.demo import DEMO_PASSWORD, load_demo
from calanque.academy.models import Staff

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


@pytest.fixture
def signed_in(persona):
    """signed_in("teacher_13") → an HTTP client with that persona's session."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(persona(role))
        return client

    return make
