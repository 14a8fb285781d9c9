"""Durability proof: `calanque smtpd` is killed with SIGKILL at random moments
while several clients send; every message that got 250 must be in its
mailbox exactly once afterwards, and the counters must be right.

Runs on the embedded SQLite, and on PostgreSQL when the suite runs there
(a database of its own, dropped at the end)."""

import json
import os
import random
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time

import pytest

RECIPIENTS = ["lea.garnier@ac-aix-marseille.fr", "hugo.bernard@ac-aix-marseille.fr", "nadia.rousseau@ac-aix-marseille.fr"]
COUNT_SCRIPT = """
import json, django
django.setup()
from calanque.mail.models import Message
rows = Message.objects.filter(mailbox__staff__email__in=%r).values_list("mailbox__staff__email", "content__message_id")
print(json.dumps([list(r) for r in rows]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(port)


@pytest.fixture
def crash_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    env.update(CALANQUE_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="calanque.settings")
    database = None
    if os.environ.get("CALANQUE_DATABASE_URL", "").startswith("postgres"):
        import psycopg

        database = f"calanque_crash_{os.getpid()}"
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'CREATE DATABASE "{database}"')
        env["CALANQUE_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{database}"
    subprocess.run([sys.executable, "-m", "calanque", "demo", "--load-only"], env=env, check=True,
                   capture_output=True, timeout=300)
    yield env
    if database:
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return "\nState:\tZ" not in handle.read()
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("processes", [1, 2])
def test_every_acknowledged_message_survives_sigkill_exactly_once(crash_env, processes, tmp_path):
    port = free_port()
    env = {**crash_env, "CALANQUE_SMTP_PORT": str(port)}
    orphans_checked = []

    log = tmp_path / "smtpd.log"

    def start():
        with open(log, "ab") as output:
            process = subprocess.Popen([sys.executable, "-m", "calanque", "smtpd", "--processes", str(processes)],
                                       env=env, stdout=output, stderr=output)
        wait_for(port)
        return process

    def kill(process):
        children = children_of(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if processes > 1:
            assert len(children) == processes - 1, log.read_text(errors="replace")[-3000:]
            deadline = time.monotonic() + 10
            while any(alive(c) for c in children) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not any(alive(c) for c in children), "a child outlived its killed parent"
            orphans_checked.append(children)

    acknowledged: list[tuple[str, str]] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(number: int):
        n = 0
        while not stop.is_set():
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                    while not stop.is_set():
                        n += 1
                        to = RECIPIENTS[n % len(RECIPIENTS)]
                        message_id = f"<crash-{number}-{n}@test.example>"
                        raw = (f"From: c{number}@example.com\r\nTo: {to}\r\nSubject: essai {number}-{n}\r\n"
                               f"Message-ID: {message_id}\r\n\r\n" + "ligne\r\n" * random.randint(1, 200)).encode()
                        smtp.sendmail(f"c{number}@example.com", [to], raw)  # raises unless 250
                        with lock:
                            acknowledged.append((to, message_id))
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)  # the server is down: reconnect; unacknowledged mail may be lost

    server = start()
    clients = [threading.Thread(target=client, args=(i,)) for i in range(3)]
    for thread in clients:
        thread.start()
    try:
        for _ in range(4):
            time.sleep(random.uniform(0.8, 2.0))
            kill(server)
            server = start()
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(f"{len(acknowledged)} messages acknowledged across 4 SIGKILLs ({processes} processes)")
    assert len(orphans_checked) == (4 if processes > 1 else 0)
    assert len(acknowledged) > 20, "the clients should have sent a fair amount of mail"
    result = subprocess.run([sys.executable, "-c", COUNT_SCRIPT % RECIPIENTS], env=env, capture_output=True,
                            text=True, check=True)
    stored = [tuple(row) for row in json.loads(result.stdout.strip().splitlines()[-1])]
    for pair in acknowledged:
        assert stored.count(pair) == 1, f"{pair} stored {stored.count(pair)} times"
    assert len(stored) == len(set(stored)), "no message is stored twice"
    check = subprocess.run([sys.executable, "-m", "calanque", "mail", "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
