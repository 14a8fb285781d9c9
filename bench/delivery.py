"""Delivery figures, through the real SMTP port of a `calanque smtpd`
process: messages acknowledged per second (each 250 after the commit) on
one and on four connections, the disk's raw fsync rate as the physical
limit, and the storage used per message (and by a circular to 1,000
colleagues). Run by `make bench`; prints JSON."""

import json
import os
import random
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import spy

WORDS = ("réunion conseil classe élèves parents collège lycée rentrée inspection formation académie emploi "
         "temps projet pédagogique sortie scolaire bulletin trimestre examen brevet baccalauréat école "
         "direction circulaire note service rectorat dsden calendrier vacances").split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(n: int, rng: random.Random, to: str, size: int = 6000) -> bytes:
    body_words, length = [], 0
    while length < size:
        word = rng.choice(WORDS)
        body_words.append(word)
        length += len(word) + 1
    lines = [" ".join(body_words[i:i + 12]) for i in range(0, len(body_words), 12)]
    return (f"From: Collègue {n} <c{n}@example.org>\r\nTo: {to}\r\nSubject: Message {n} : {rng.choice(WORDS)}\r\n"
            f"Message-ID: <bench-{n}-{rng.random()}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()


def message_sets(to: str) -> tuple[list[bytes], list[bytes], list[list[bytes]]]:
    """The messages of the delivery figures (the Dovecot LMTP reference
    delivers the same ones): 50 to warm up, 600 on one connection, 4 × 300
    on four."""
    rng = random.Random(8)
    warm = [message(n, rng, to) for n in range(50)]
    one = [message(1000 + n, rng, to) for n in range(600)]
    four = [[message(5000 + 1000 * c + n, rng, to) for n in range(300)] for c in range(4)]
    return warm, one, four


def disk_usage(home: Path) -> int:
    """Blobs plus database, after a WAL checkpoint (SQLite) so that the
    database file holds everything; on PostgreSQL, pg_database_size."""
    blobs = sum(f.stat().st_size for f in (home / "blobs").rglob("*") if f.is_file())
    url = os.environ.get("CALANQUE_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url.replace("postgresql://", "postgresql://", 1)) as conn:
            conn.execute("CHECKPOINT")
            return blobs + conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    import sqlite3

    database = home / "calanque.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return blobs + database.stat().st_size


def fsync_rate(directory: Path, seconds: float = 2.0) -> float:
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    data, count, start = b"x" * 4096, 0, time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            os.pwrite(fd, data, 0)
            os.fsync(fd)
            count += 1
    finally:
        os.close(fd)
        path.unlink()
    return count / (time.perf_counter() - start)


def send_all(port: int, messages: list[bytes], to: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for raw in messages:
            client.sendmail("bench@example.org", [to], raw)


def main() -> dict:
    with tempfile.TemporaryDirectory(dir=os.environ.get("CALANQUE_BENCH_TMP")) as tmp:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
        env["CALANQUE_HOME"] = str(home)
        if os.environ.get("CALANQUE_DATABASE_URL"):
            env["CALANQUE_DATABASE_URL"] = os.environ["CALANQUE_DATABASE_URL"]
        subprocess.run([sys.executable, "-m", "calanque", "demo", "--load-only", "--personnels", "1100"], env=env,
                       check=True, capture_output=True)
        port = free_port()
        env["CALANQUE_SMTP_PORT"] = str(port)
        server = subprocess.Popen([sys.executable, "-m", "calanque", "smtpd"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            to = "lea.garnier@ac-aix-marseille.fr"
            warm, one, four = message_sets(to)
            send_all(port, warm, to)

            before = disk_usage(home)
            start = time.perf_counter()
            send_all(port, one, to)
            one_rate = len(one) / (time.perf_counter() - start)
            raw_size = sum(len(m) for m in one) / len(one)
            stored_per_message = (disk_usage(home) - before) / len(one)

            threads = [threading.Thread(target=send_all, args=(port, batch, to)) for batch in four]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            four_rate = sum(len(b) for b in four) / (time.perf_counter() - start)

            circular = message(99_999, random.Random(9), "tous@ac-aix-marseille.fr")
            result = subprocess.run([sys.executable, "-c", (
                "import django, json; django.setup(); from calanque.academy.models import Staff;"
                "print(json.dumps(list(Staff.objects.filter(is_active=True).order_by('id')"
                ".values_list('email', flat=True)[:1000])))")],
                env={**env, "DJANGO_SETTINGS_MODULE": "calanque.settings"}, capture_output=True, text=True, check=True)
            everyone = json.loads(result.stdout.strip().splitlines()[-1])
            before = disk_usage(home)
            with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
                client.sendmail("rectorat@example.org", everyone, circular)
            circular_bytes = disk_usage(home) - before

            # Where the time goes: four connections again, the SMTP
            # processes sampled by py-spy (bench/spy.py).
            def four_connections():
                batch = [message(200_000 + n, rng, to) for n in range(40)]
                senders = [threading.Thread(target=send_all, args=(port, batch[c::4], to)) for c in range(4)]
                for sender in senders:
                    sender.start()
                for sender in senders:
                    sender.join()

            rng = random.Random(10)
            name = "delivery_msgs_per_s_4conn" + ("_pg" if os.environ.get("CALANQUE_DATABASE_URL") else "")
            profiled = spy.profile(server.pid, name, four_connections, log=lambda text: print(text, file=sys.stderr))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        fsync = fsync_rate(home)

    def fig(value, unit, detail=""):
        return {"value": round(value, 2), "p95": None, "unit": unit, "reference": None, "ratio": None,
                **({"detail": detail} if detail else {})}

    return {
        "delivery_msgs_per_s_1conn": fig(one_rate, "msg/s"),
        "delivery_msgs_per_s_4conn": {**fig(four_rate, "msg/s"),
                                      **({"profile": str(profiled.relative_to(spy.ROOT))} if profiled else {})},
        "fsync_per_s": fig(fsync, "/s", "écriture de 4 Ko + fsync, même disque"),
        "storage_bytes_per_message": {**fig(stored_per_message, "octets",
                                            f"message brut moyen {raw_size:.0f} octets, "
                                            f"rapport {stored_per_message / raw_size:.2f}"), "raw": raw_size},
        "storage_circular_1000_bytes": fig(circular_bytes, "octets",
                                           f"message de {len(circular)} octets à {len(everyone)} destinataires"),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
