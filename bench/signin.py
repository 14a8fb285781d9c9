"""Sign-in and recovery figures, measured through Django's full HTTP stack
(test client: every middleware, view and template), in a fresh home loaded
with the demo académie. Run by `make bench` as a subprocess; prints JSON.

- ``signin_ms``: password step + TOTP step of a complete sign-in. The domain
  clock is moved 30 s between repetitions so that every code is fresh (a code
  cannot be replayed in its step).
- ``reset_request_known_ms`` / ``reset_request_unknown_ms``: the forgotten
  password form for an account with a verified recovery address and for an
  identifier that does not exist: the two must cost about the same (no timing
  oracle). Throttle counters are cleared between repetitions.
"""

import json
import os
import statistics
import sys
import time


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def figure(samples_ms):
    return {"value": round(statistics.median(samples_ms), 2), "p95": round(percentile(samples_ms, 0.95), 2),
            "unit": "ms", "reference": None, "ratio": None}


def main(repetitions: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calanque.settings")
    django.setup()
    import pyotp
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from calanque.academy.demo import DEMO_PASSWORD, load_demo
    from calanque.academy.models import Staff
    from calanque.accounts import actions
    from calanque.core import clock

    setup_test_environment()  # the in-memory mail backend, no real sending
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", interactive=False, verbosity=0)
    load_demo(size=200)
    lea = Staff.objects.get(identifier="lea.garnier")
    client_info = actions.Client("127.0.0.1", "bench")
    actions.do_accept_charter(lea, client_info)
    phone = pyotp.TOTP(actions.pending_key(lea))
    fake_now = [time.time()]
    clock.now = lambda: fake_now[0]
    assert actions.do_confirm_otp_activation(lea, phone.at(fake_now[0]), client_info).ok
    actions.do_acknowledge_recovery_codes(lea)
    actions.do_set_recovery_email(lea, lea.recovery_email, client_info, base_url="http://testserver/")

    # One client (its handler loads the middleware once, as a server worker
    # does); a fresh cookie jar per repetition, as a new visitor.
    client = Client()
    signin = []
    for _ in range(repetitions + 3):
        fake_now[0] += 30
        cache.clear()
        client.cookies.clear()
        start = time.perf_counter()
        r1 = client.post("/compte/connexion/", {"login": "lea.garnier", "password": DEMO_PASSWORD})
        r2 = client.post("/compte/connexion/code/", {"code": phone.at(fake_now[0])})
        signin.append((time.perf_counter() - start) * 1000)
        assert r1.status_code == 302 and r2["Location"] == "/", (r1.status_code, r2.status_code)

    known, unknown = [], []
    for i in range(repetitions + 3):
        for login, samples in ((("lea.garnier", known), ("personne.inconnue", unknown))[::1 if i % 2 else -1]):
            cache.clear()
            client.cookies.clear()
            start = time.perf_counter()
            response = client.post("/compte/oubli/mot-de-passe/", {"login": login})
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    return {
        "signin_ms": {**figure(signin[3:]), "detail": f"Argon2id t={hasher.time_cost} m={hasher.memory_cost} KiB "
                                                      f"p={hasher.parallelism}"},
        "reset_request_known_ms": figure(known[3:]),
        "reset_request_unknown_ms": figure(unknown[3:]),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)))
