"""The Dovecot reference, measured in the same run as Calanque.

A PRIVATE Dovecot: its own configuration file, ``base_dir``, logs and mail
under ``var/bench/dovecot/``, IMAP and LMTP on free loopback high ports. It
never touches Debian's ``dovecot`` service or the standard ports: when the
packages are missing and the harness runs as root with apt, it installs
``dovecot-imapd``, ``dovecot-lmtpd`` (and ``dovecot-fts-xapian`` when
available) with a ``policy-rc.d`` that forbids starting the packaged
service. Mail belongs to ``nobody``.

The corpus (``bench.mailcorpus``) is written straight into Maildir files
(``cur/`` for read messages, ``new/`` for unread, mtime = date, ``S=size``
in the name, as Dovecot's own delivery names them); then Dovecot indexes on
first access: that first SORT is the « first SORT after a fresh import »
figure. Every other figure is measured with Python's imaplib (and smtplib's
LMTP client), warm, as a stateless webmail uses IMAP.
"""

import imaplib
import os
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

USER_PASSWORD = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(function, repetitions: int, warm: int = 3) -> dict:
    for _ in range(warm):
        function()
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return {"value": round(statistics.median(samples), 2), "p95": round(percentile(samples, 0.95), 2), "unit": "ms",
            "n": repetitions}


def ensure_installed(log) -> tuple[bool, str]:
    """(available, why not). Installs the Debian packages when possible."""
    if shutil.which("dovecot") and Path("/usr/lib/dovecot/lmtp").exists():
        return True, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False, "Dovecot absent et installation impossible (ni root ni apt)"
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:  # never let the package start Debian's service on port 143
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        log("… installation de dovecot-imapd et dovecot-lmtpd (apt)")
        result = subprocess.run(["apt-get", "install", "-y", "dovecot-imapd", "dovecot-lmtpd"], env=env,
                                capture_output=True, text=True)
        if result.returncode:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            result = subprocess.run(["apt-get", "install", "-y", "dovecot-imapd", "dovecot-lmtpd"], env=env,
                                    capture_output=True, text=True)
        if result.returncode:
            return False, "installation de Dovecot impossible : " + result.stderr.strip()[-300:]
        subprocess.run(["apt-get", "install", "-y", "dovecot-fts-xapian"], env=env, capture_output=True)
    finally:
        if created:
            policy.unlink()
    return bool(shutil.which("dovecot")), ""


def has_xapian() -> bool:
    return Path("/usr/lib/dovecot/modules/lib21_fts_xapian_plugin.so").exists()


class Dovecot:
    """One private instance; ``start(fts=…)`` (re)writes its configuration."""

    def __init__(self, root: Path):
        self.root = root
        self.imap_port, self.lmtp_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None
        for name in ("run", "state", "home"):
            (root / name).mkdir(parents=True, exist_ok=True)
        (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{USER_PASSWORD}\n" for u in ("big", "small", "lmtp", "sample")))
        os.chown(root / "home", 65534, 65534)

    def home(self, user: str) -> Path:
        return self.root / "home" / user

    def config(self, fts: bool) -> Path:
        plugins = ""
        if fts:
            plugins = ("mail_plugins = $mail_plugins fts fts_xapian\n"
                       "plugin {\n  fts = xapian\n  fts_xapian = partial=3 full=20\n  fts_autoindex = yes\n"
                       "  fts_enforced = yes\n}\n")
        text = f"""# Private benchmark instance (bench/dovecot.py): nothing here is Debian's service.
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
auth_username_format = %Ln
mail_location = maildir:~/Maildir
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_fsync = optimized
lmtp_save_to_detail_mailbox = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={self.root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
service imap {{
  process_limit = 64
}}
{plugins}"""
        path = self.root / "dovecot.conf"
        path.write_text(text)
        return path

    def start(self, fts: bool = False) -> None:
        self.stop()
        config = self.config(fts)
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.imap_port), timeout=0.5).close()
                socket.create_connection(("127.0.0.1", self.lmtp_port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("Dovecot ne démarre pas : " + self.process.stderr.read().decode()[-500:])
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def doveadm(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["doveadm", "-c", str(self.root / "dovecot.conf"), *args], capture_output=True,
                              text=True)

    def login(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=600)
        imap.login(user, USER_PASSWORD)
        return imap


def write_maildir(home: Path, messages) -> tuple[int, int]:
    """Write ``messages`` (CorpusMessage) as Maildir files; (count, bytes)."""
    maildir = home / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    count = size = 0
    for message in messages:
        stamp = int(message.date.timestamp())
        name = f"{stamp}.M{message.index}P1.bench,S={len(message.raw)}"
        path = maildir / ("cur" if message.seen else "new") / (name + (":2,S" if message.seen else ""))
        path.write_bytes(message.raw)
        os.utime(path, (stamp, stamp))
        count += 1
        size += len(message.raw)
    for directory, _, files in os.walk(home):
        os.chown(directory, 65534, 65534)
        for file in files:
            os.chown(os.path.join(directory, file), 65534, 65534)
    return count, size


def directory_bytes(path: Path) -> int:
    total = 0
    for directory, _, files in os.walk(path):
        for file in files:
            total += os.stat(os.path.join(directory, file)).st_blocks * 512
    return total


FETCH_ITEMS = "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)"


def sorted_uids(imap: imaplib.IMAP4) -> list[bytes]:
    status, data = imap.uid("SORT", "(REVERSE DATE)", "UTF-8", "ALL")
    if status != "OK":
        raise RuntimeError(f"SORT: {data}")
    return data[0].split()


def fetch_page(imap: imaplib.IMAP4, uids: list[bytes], offset: int) -> None:
    page = uids[offset:offset + 50]
    status, data = imap.uid("FETCH", b",".join(page).decode(), FETCH_ITEMS)
    if status != "OK" or len(data) < len(page):
        raise RuntimeError(f"FETCH: {status}")


def request(dovecot: Dovecot, user: str, offset: int = 0) -> None:
    """What one stateless webmail folder request costs the IMAP server."""
    imap = dovecot.login(user)
    imap.select("INBOX")
    fetch_page(imap, sorted_uids(imap), offset)
    imap.logout()


def open_message(dovecot: Dovecot, user: str, uid: bytes) -> None:
    """Opening one message in a new session: structure, headers and body."""
    imap = dovecot.login(user)
    imap.select("INBOX")
    status, data = imap.uid("FETCH", uid.decode(), "(UID FLAGS RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER])")
    status2, body = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    if status != "OK" or status2 != "OK" or not body or body[0] is None:
        raise RuntimeError("FETCH message")
    imap.logout()


def search(dovecot: Dovecot, user: str, word: str, expected: int) -> None:
    imap = dovecot.login(user)
    imap.select("INBOX", readonly=True)
    status, data = imap.uid("SEARCH", "CHARSET", "UTF-8", "TEXT", word)
    found = len(data[0].split()) if status == "OK" and data and data[0] else 0
    imap.logout()
    if found != expected:
        raise RuntimeError(f"SEARCH TEXT {word}: {found} messages, {expected} attendus")


def lmtp_send(port: int, messages: list[bytes]) -> None:
    with smtplib.LMTP("127.0.0.1", port, timeout=120) as client:
        for raw in messages:
            refused = client.sendmail("bench@example.org", ["lmtp@bench.test"], raw)
            if refused:
                raise RuntimeError(f"LMTP refusé : {refused}")


def lmtp_rate(port: int, batches: list[list[bytes]]) -> float:
    errors = []

    def send(batch):
        try:
            lmtp_send(port, batch)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(batch,)) for batch in batches]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"LMTP : {errors[0]}")
    return sum(len(b) for b in batches) / (time.perf_counter() - start)


def measure(root: Path, corpus, sizes: dict[str, int], repetitions: int, lmtp_messages, log) -> dict:
    """The reference figures. ``sizes`` maps a suffix (``10k``) to the step
    of ``corpus`` that account holds (``corpus.size // step`` messages);
    ``lmtp_messages`` are the bytes delivered by the LMTP rates (the same as
    Calanque's SMTP delivery figures)."""
    from bench.mailcorpus import RARE_WORD, median_html_index

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    dovecot = Dovecot(root)
    figures: dict[str, dict] = {}

    def fig(name, value, unit, p95=None, **extra):
        figures[name] = {"value": round(value, 2), "p95": p95, "unit": unit, **extra}

    users = {suffix: ("small" if suffix == "10k" else "big") for suffix in sizes}
    facts = {}
    try:
        for suffix, step in sizes.items():
            log(f"… Dovecot : écriture du Maildir {suffix}")
            chosen = [m for m in (corpus.message(i) for i in range(0, corpus.size, step))]
            count, size = write_maildir(dovecot.home(users[suffix]), chosen)
            open_index = median_html_index(corpus, {m.index: len(m.raw) for m in chosen})
            facts[suffix] = {"count": count, "bytes": size, "rare": sum(m.rare for m in chosen),
                             "open_index": open_index}
            del chosen
        dovecot.start()
        for suffix in sizes:
            user = users[suffix]
            imap = dovecot.login(user)
            start = time.perf_counter()
            imap.select("INBOX")
            uids = sorted_uids(imap)
            fig(f"dovecot_first_sort_s_{suffix}", time.perf_counter() - start, "s")
            imap.logout()
            if len(uids) != facts[suffix]["count"]:
                raise RuntimeError(f"Dovecot voit {len(uids)} messages au lieu de {facts[suffix]['count']}")
            log(f"… Dovecot : requêtes IMAP {suffix}")
            figures[f"dovecot_request_ms_{suffix}"] = timed(lambda u=user: request(dovecot, u), repetitions)
            imap = dovecot.login(user)
            imap.select("INBOX")
            figures[f"dovecot_sort_fetch_open_ms_{suffix}"] = timed(
                lambda i=imap: fetch_page(i, sorted_uids(i), 0), repetitions)
            # The message to open: found by its Message-ID header.
            status, data = imap.uid("SEARCH", "HEADER", "Message-ID",
                                    corpus.message_id(facts[suffix]["open_index"]))
            open_uid = data[0].split()[0]
            imap.logout()
            figures[f"dovecot_open_message_ms_{suffix}"] = timed(
                lambda u=user, x=open_uid: open_message(dovecot, u, x), repetitions)
            if facts[suffix]["count"] > 50_000:
                figures[f"dovecot_deep_request_ms_{suffix}"] = timed(
                    lambda u=user: request(dovecot, u, 50_000), repetitions)
            searches = max(5, repetitions // (10 if facts[suffix]["count"] > 50_000 else 5))
            log(f"… Dovecot : SEARCH TEXT {suffix} sans index plein texte ({searches} fois)")
            figures[f"dovecot_search_text_ms_{suffix}"] = timed(
                lambda u=user, n=facts[suffix]["rare"]: search(dovecot, u, RARE_WORD, n), searches, warm=1)

        log("… Dovecot : distribution LMTP")
        lmtp_send(dovecot.lmtp_port, lmtp_messages[:50])
        before = directory_bytes(dovecot.home("lmtp"))
        one = lmtp_messages[50:650]
        fig("dovecot_lmtp_msgs_per_s_1conn", lmtp_rate(dovecot.lmtp_port, [one]), "msg/s")
        stored = (directory_bytes(dovecot.home("lmtp")) - before) / len(one)
        raw = sum(len(m) for m in one) / len(one)
        fig("dovecot_storage_bytes_per_message", stored, "octets", detail=f"Maildir + index, brut {raw:.0f}")
        four = [lmtp_messages[650 + 300 * c: 950 + 300 * c] for c in range(4)]
        fig("dovecot_lmtp_msgs_per_s_4conn", lmtp_rate(dovecot.lmtp_port, four), "msg/s")

        if has_xapian():
            # Indexing with fts-xapian runs at a few dozen messages per second
            # on this machine: 100,000 would take more than an hour. Its search
            # time hardly depends on the folder size, so it is measured on a
            # sample folder (every 100th message of the corpus).
            sample = [corpus.message(i) for i in range(0, corpus.size, 100)]
            write_maildir(dovecot.home("sample"), sample)
            rare = sum(m.rare for m in sample)
            dovecot.start(fts=True)
            log(f"… Dovecot : index fts-xapian de {len(sample)} messages")
            start = time.perf_counter()
            result = dovecot.doveadm("index", "-u", "sample", "INBOX")
            if result.returncode:
                raise RuntimeError("doveadm index : " + result.stderr[-500:])
            fig("dovecot_xapian_index_msgs_per_s", len(sample) / (time.perf_counter() - start), "msg/s")
            figures["dovecot_search_xapian_ms_sample"] = timed(
                lambda: search(dovecot, "sample", RARE_WORD, rare), repetitions)
            figures["dovecot_search_xapian_ms_sample"]["detail"] = f"fts-xapian, {len(sample)} messages"
    finally:
        dovecot.stop()
        shutil.rmtree(root / "home", ignore_errors=True)  # ≈ 1 GB of Maildir; the log and configuration stay
    figures["_facts"] = facts
    return figures
