"""End-to-end fixtures: the real `calanque demo` in a subprocess (its own
home, free ports) and a real Chromium driven by Playwright."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"calanque demo stopped with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


class Demo:
    def __init__(self, home: Path, http_port: int, smtp_port: int, process: subprocess.Popen, log: Path):
        self.home, self.http_port, self.smtp_port, self.process, self.log = home, http_port, smtp_port, process, log
        self.url = f"http://127.0.0.1:{http_port}"

    @property
    def accounts(self) -> list[dict]:
        return json.loads((self.home / "demo-accounts.json").read_text(encoding="utf-8"))

    def account(self, identifier: str) -> dict:
        return next(a for a in self.accounts if a["identifier"] == identifier)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`calanque demo` as a user starts it. Always on the embedded default
    (SQLite under its own home), whichever database the suite runs on."""
    home = tmp_path_factory.mktemp("demo-home")
    http_port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    env.update(CALANQUE_HOME=str(home), CALANQUE_HTTP_PORT=str(http_port), CALANQUE_SMTP_PORT=str(smtp_port),
               CALANQUE_WEB_WORKERS="2")
    log = home / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "calanque", "demo"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for_port(http_port, process)
        wait_for_port(smtp_port, process)
        yield Demo(home, http_port, smtp_port, process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 780}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()
