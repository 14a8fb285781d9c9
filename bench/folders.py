"""Folder-size figures of Calanque, through the real web server.

Run by `make bench` as a subprocess, in a fresh CALANQUE_HOME (and database):

1. the demo académie (200 staff); two accounts past their first sign-in:
   ``hugo.bernard`` gets the 100,000-message corpus in his INBOX and
   ``lea.garnier`` every tenth message of it (10,000 over the same 3 years),
   both loaded with ``calanque.mail.bulk`` (the rows real delivery writes;
   parsing in 2 worker processes);
2. sessions made by Django's ``force_login`` (what the sign-in leaves
   behind), sent as cookies;
3. the real web server, ``calanque web`` (gunicorn, gthread workers), on a
   free loopback port; every figure is an HTTP request over a keep-alive
   socket, as a browser makes it, measured from this process:
   - ``inbox_page_ms_*``: the folder page (50 newest, fully rendered);
   - ``inbox_deep_page_ms_100k``: page 1,001 (messages 50,001–50,050);
   - ``search_ms_*``: the search page for the 1 % word (all the messages
     are in the INBOX, so the mailbox search is the folder search);
   - ``open_message_ms_*``: the message page + its sanitised HTML body (the
     iframe document), for the median-size HTML message;
   - ``inbox_rps_16_clients``: 16 clients, each with its own session and
     connection, reading the 100k folder page for 30 s;
   - ``web_rss_mb``: the largest resident set of the web workers at the end.

Prints JSON on its last line.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from multiprocessing import get_context
from pathlib import Path

from bench import spy

CORPUS_SIZE = 100_000
ACCOUNTS = {"100k": ("hugo.bernard", 1), "10k": ("lea.garnier", 10)}
_corpus = None


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def figure(samples_ms, **extra) -> dict:
    return {"value": round(statistics.median(samples_ms), 2), "p95": round(percentile(samples_ms, 0.95), 2),
            "unit": "ms", "reference": None, "ratio": None, "n": len(samples_ms), **extra}


def _prepare(index: int):
    from calanque.mail import bulk

    message = _corpus.message(index)
    return bulk.prepare(bulk.Item(message.raw, seen=message.seen, received_at=message.date))


CHUNK = 2000
ROOT = Path(__file__).resolve().parent.parent
CACHE_SOURCES = ["bench/mailcorpus.py", "calanque/mail/parsing.py", "calanque/mail/search.py",
                 "calanque/mail/bulk.py", "calanque/mail/delivery.py", "calanque/academy/identifiers.py"]


def cache_directory() -> Path:
    """Where the content fields of the 100,000-message corpus are kept
    between runs and between databases: parsing is most of the load time.
    The key covers the code that computes them (corpus, parser, search
    text), so a change to that code computes them afresh."""
    import hashlib

    digest = hashlib.sha256(str(CORPUS_SIZE).encode())
    for name in CACHE_SOURCES:
        digest.update((ROOT / name).read_bytes())
    return ROOT / "var" / "bench" / "cache" / digest.hexdigest()[:16]


def prepared(pool, indexes: range, cache: Path):
    """(Item, content fields) for ``indexes``, from the cache when it has
    them (≈ 1.3 GB for the 100,000 messages, under var/bench/cache/)."""
    import pickle

    for start in range(0, CORPUS_SIZE, CHUNK):
        wanted = [i for i in range(start, min(start + CHUNK, CORPUS_SIZE)) if i in indexes]
        if not wanted:
            continue
        path = cache / f"{start}.pickle"
        if path.exists():
            entries = pickle.loads(path.read_bytes())
            yield from (entries[index] for index in wanted)
            continue
        computed = {}
        for index, entry in zip(wanted, pool.imap(_prepare, wanted, chunksize=64), strict=True):
            computed[index] = entry
            yield entry
        if len(wanted) == min(CHUNK, CORPUS_SIZE - start):  # whole chunks only
            cache.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(pickle.dumps(computed, protocol=pickle.HIGHEST_PROTOCOL))
            temporary.replace(path)


def load(sizes: list[str]) -> dict:
    """Fresh database, accounts, corpora; returns what the HTTP part needs."""
    global _corpus
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.mailcorpus import Corpus, median_html_index
    from calanque.academy.demo import load_demo
    from calanque.academy.models import Staff
    from calanque.accounts import actions
    from calanque.mail import bulk, delivery
    from calanque.mail.models import Folder, Message

    call_command("migrate", interactive=False, verbosity=0)
    load_demo(size=200)
    _corpus = Corpus(CORPUS_SIZE)  # the same bytes as the Dovecot reference's
    facts: dict = {"load": {}}
    for suffix in sorted(sizes, key=lambda s: ACCOUNTS[s][1]):  # 100k first: the 10k reuses its contents
        identifier, step = ACCOUNTS[suffix]
        staff = Staff.objects.get(identifier=identifier)
        staff.quota_mb = 10_000
        staff.save(update_fields=["quota_mb"])
        client = actions.Client("127.0.0.1", "bench")
        actions.do_accept_charter(staff, client)
        import pyotp

        from calanque.core import clock

        actions.do_confirm_otp_activation(staff, pyotp.TOTP(actions.pending_key(staff)).at(clock.now() - 30), client)
        actions.do_acknowledge_recovery_codes(staff)
        actions.do_set_recovery_email(staff, staff.recovery_email or "secours@example.org", client,
                                      base_url="http://127.0.0.1/")
        inbox = Folder.objects.get(mailbox=delivery.mailbox_for(staff), special=Folder.Special.INBOX)
        first_uid = inbox.uid_next
        indexes = range(0, CORPUS_SIZE, step)
        log(f"… chargement de {len(indexes)} messages dans la boîte de {identifier}")
        start = time.perf_counter()
        connection.close()  # no connection crosses the fork
        cache = cache_directory()
        if cache.parent.exists():
            for old in cache.parent.iterdir():
                if old != cache:
                    shutil.rmtree(old, ignore_errors=True)
        with get_context("fork").Pool(2) as pool:
            count = bulk.load_prepared(inbox, prepared(pool, indexes, cache), batch=2000,
                                       progress=lambda n: log(f"   {n}") if n % 20_000 == 0 else None)
        elapsed = time.perf_counter() - start
        facts["load"][suffix] = {"messages": count, "seconds": round(elapsed, 1)}
        sizes_by_index = {(uid - first_uid) * step: size for uid, size in
                          Message.objects.filter(folder=inbox).values_list("uid", "size")}
        open_index = median_html_index(_corpus, sizes_by_index)
        open_uid = first_uid + open_index // step
        sessions = []
        for _ in range(16 if suffix == "100k" else 1):
            browser = Client()
            browser.force_login(staff, backend="calanque.accounts.backends.StaffBackend")
            sessions.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
        facts[suffix] = {
            "folder": inbox.pk, "open": Message.objects.get(folder=inbox, uid=open_uid).pk, "open_index": open_index,
            "sessions": sessions,
        }
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of such a change (a vacuum
        # after many inserts, since PostgreSQL 13): statistics (without them
        # the planner believes the tables nearly empty), the visibility map
        # (index-only scans) and the full-text index's pending list.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    facts["cookie"] = settings.SESSION_COOKIE_NAME
    connection.close()
    return facts


class Browser:
    """One signed-in HTTP/1.1 client on a keep-alive connection."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.connection.request("GET", path, headers={"Cookie": self.cookie, "Host": "127.0.0.1"})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError


def timed(browser: Browser, paths: list[str], repetitions: int, check) -> dict:
    for _ in range(5):
        for path in paths:
            status, body = browser.get(path)
            check(path, status, body)
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for path in paths:
            status, body = browser.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        check(path, status, body)
    return figure(samples)


def message_links(body: bytes) -> int:
    return len(set(re.findall(rb'/messagerie/message/(\d+)/"', body)))


def measure(facts: dict, sizes: list[str], repetitions: int, env: dict) -> dict:
    from bench.mailcorpus import RARE_WORD

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**env, "CALANQUE_HTTP_PORT": str(port), "CALANQUE_PUBLIC_URL": f"http://127.0.0.1:{port}/"}
    server = subprocess.Popen([sys.executable, "-m", "calanque", "web", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("calanque web ne démarre pas") from None
                time.sleep(0.2)
        cookie = lambda value: f"{facts['cookie']}={value}"  # noqa: E731

        def page_check(expected):
            def check(path, status, body):
                if status != 200 or message_links(body) < expected:
                    raise RuntimeError(f"GET {path} : {status}, {message_links(body)} messages")
            return check

        def ok(path, status, body):
            if status != 200:
                raise RuntimeError(f"GET {path} : {status}")

        for suffix in sizes:
            log(f"… pages web {suffix}")
            info = facts[suffix]
            browser = Browser(port, cookie(info["sessions"][0]))
            folder = f"/messagerie/dossier/{info['folder']}/"
            results[f"inbox_page_ms_{suffix}"] = timed(browser, [folder], repetitions, page_check(50))
            if suffix == "100k":
                results[f"inbox_deep_page_ms_{suffix}"] = timed(browser, [folder + "?page=1001"], repetitions,
                                                                page_check(50))
            results[f"search_ms_{suffix}"] = timed(browser, [f"/messagerie/recherche/?q={RARE_WORD}"], repetitions,
                                                   page_check(1))
            opened = f"/messagerie/message/{info['open']}/"
            results[f"open_message_ms_{suffix}"] = timed(browser, [opened, opened + "corps/"], repetitions, ok)
        if "100k" in sizes:
            log("… 16 clients pendant 30 s")
            results["inbox_rps_16_clients"] = load_test(port, [cookie(v) for v in facts["100k"]["sessions"]],
                                                        f"/messagerie/dossier/{facts['100k']['folder']}/", 30)
        # Where the time goes, for the figures that have a target: the same
        # requests again, the web workers sampled by py-spy (bench/spy.py).
        big, database = sizes[-1], "_pg" if env.get("CALANQUE_DATABASE_URL") else ""
        browser = Browser(port, cookie(facts[big]["sessions"][0]))
        opened = f"/messagerie/message/{facts[big]['open']}/"
        for name, paths in {
            f"inbox_page_ms_{big}": [f"/messagerie/dossier/{facts[big]['folder']}/"],
            f"search_ms_{big}": [f"/messagerie/recherche/?q={RARE_WORD}"],
            f"open_message_ms_{big}": [opened, opened + "corps/"],
        }.items():
            found = spy.profile(server.pid, name + database, lambda p=paths: [browser.get(x) for x in p], log=log)
            if found:
                results[name]["profile"] = str(found.relative_to(ROOT))
        workers = [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        rss = []
        for pid in workers:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) / 1024)
        results["web_rss_mb"] = {"value": round(max(rss), 1), "p95": None, "unit": "Mo", "reference": None,
                                 "ratio": None, "detail": f"{len(rss)} processus de travail gunicorn : "
                                                          + ", ".join(f"{r:.0f}" for r in rss) + " Mo"}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


def load_test(port: int, cookies: list[str], path: str, seconds: float) -> dict:
    counts, errors, latencies = [0] * len(cookies), [0] * len(cookies), [[] for _ in cookies]
    stop = time.monotonic() + seconds

    def run(n):
        browser = Browser(port, cookies[n])
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                status, body = browser.get(path)
                if status != 200:
                    errors[n] += 1
            except Exception:  # noqa: BLE001 - counted, the test goes on
                errors[n] += 1
            counts[n] += 1
            latencies[n].append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(cookies))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    every = [x for sample in latencies for x in sample]
    return {"value": round(sum(counts) / elapsed, 1), "p95": None, "unit": "req/s", "reference": None, "ratio": None,
            "errors": sum(errors), "detail": f"{sum(counts)} requêtes, {sum(errors)} erreurs, latence p50 "
                                              f"{statistics.median(every):.0f} ms, p95 {percentile(every, 0.95):.0f} ms"}


def main() -> None:
    global CORPUS_SIZE
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--corpus-size", type=int, default=CORPUS_SIZE, help="pour essayer le banc en petit")
    args = parser.parse_args()
    CORPUS_SIZE = args.corpus_size
    sizes = args.sizes.split(",")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calanque.settings")
    facts = load(sizes)
    results = measure(facts, sizes, args.repetitions, dict(os.environ))
    for suffix in sizes:
        load_info = facts["load"][suffix]
        results[f"bulk_load_msgs_per_s_{suffix}"] = {
            "value": round(load_info["messages"] / load_info["seconds"], 1), "p95": None, "unit": "msg/s",
            "reference": None, "ratio": None, "detail": f"{load_info['messages']} messages en {load_info['seconds']} s"}
    results["_facts"] = {s: {"open_index": facts[s]["open_index"]} for s in sizes}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
