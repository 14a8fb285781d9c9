"""Where the time of the webmail pages goes, with pyinstrument, in a folder
of N messages (the benchmark corpus, loaded like `make bench` does).

    CALANQUE_HOME=var/bench/profile-home .venv/bin/python -m bench.profile --size 100k

Requests go through Django's full stack in-process (test client: every
middleware, view, query and template, no socket). Writes one text profile
per page under var/bench/ and prints where they are.
"""

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="100k", choices=["10k", "100k"])
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calanque.settings")
    from bench import folders

    facts = folders.load([args.size])[args.size]
    from django.conf import settings
    from django.test import Client
    from pyinstrument import Profiler

    from bench.mailcorpus import RARE_WORD

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = facts["sessions"][0]
    pages = {
        "folder": f"/messagerie/dossier/{facts['folder']}/",
        "deep": f"/messagerie/dossier/{facts['folder']}/?page=1001",
        "search": f"/messagerie/recherche/?q={RARE_WORD}",
        "message": f"/messagerie/message/{facts['open']}/",
        "body": f"/messagerie/message/{facts['open']}/corps/",
    }
    out = Path(__file__).resolve().parent.parent / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    for name, path in pages.items():
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        profiler = Profiler(interval=0.0005)
        start = time.perf_counter()
        profiler.start()
        for _ in range(args.repetitions):
            client.get(path)
        profiler.stop()
        each = (time.perf_counter() - start) * 1000 / args.repetitions
        target = out / f"profile-{args.size}-{name}.txt"
        target.write_text(f"{path}: {each:.1f} ms par requête (sous le profileur)\n\n"
                          + profiler.output_text(unicode=True, color=False), encoding="utf-8")
        print(f"{name:<8} {each:6.1f} ms  → {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
