"""`make bench`: the figures the issues ask for, measured through the real
interfaces, printed as a table and written to var/bench/latest.json.

Each Calanque figure is measured on the embedded default (SQLite) and, when
the machine's PostgreSQL answers on 127.0.0.1:5432 (trust, user postgres), on
PostgreSQL too, in throw-away databases ``calanque_bench_<pid>_<n>``. Then the
Dovecot reference is measured in the same run (bench/dovecot.py: a private
instance on loopback high ports, the same corpus) when Dovecot is installed or
installable; otherwise the table says « Référence Dovecot indisponible ».

- ``bench/folders.py``: folders of 10,000 and 100,000 messages, over HTTP
  against the real ``calanque web`` (gunicorn);
- ``bench/delivery.py``: SMTP delivery rates, fsync rate, storage;
- ``bench/signin.py``: sign-in and password-reset requests (Django test
  client, in-process);
- ``bench_import``: ``calanque import-staff`` of 60,000 lines.

``var/bench/latest.json``: ``{"name": {"value", "p95", "unit", "reference",
"ratio"}}``; SQLite figures under their plain name, PostgreSQL ones with the
suffix ``_pg``, the Dovecot reference figures under ``dovecot_…`` (also
copied as ``reference`` into the Calanque figure they compare with).
``--quick`` (``make bench-quick``): 10,000-message folders only, plus every
figure that does not depend on the folder size.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import write_staff_csv
from bench.targets import missed_targets

ROOT = Path(__file__).resolve().parent.parent


def calanque(home: Path, database_url: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    env["CALANQUE_HOME"] = str(home)
    if database_url:
        env["CALANQUE_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "calanque", *args], env=env, capture_output=True, text=True)


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


def postgres_database(name: str):
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_import(database_url: str | None, lines: int) -> dict:
    """`calanque import-staff` of a ``lines``-line feed into an académie that
    has its établissements, then the same file again (the nightly re-import)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for step in (("migrate", "--noinput"), ("setup_academy", "aix-marseille")):
            result = calanque(home, database_url, *step)
            if result.returncode:
                raise RuntimeError(result.stderr)
        establishments, staff = home / "etablissements.csv", home / "personnels.csv"
        write_staff_csv(establishments, staff, lines)
        result = calanque(home, database_url, "import-establishments", str(establishments))
        if result.returncode:
            raise RuntimeError(result.stderr)
        figures = {}
        for name in ("import_staff_60k_s", "reimport_staff_60k_s"):
            start = time.perf_counter()
            result = calanque(home, database_url, "import-staff", str(staff))
            elapsed = time.perf_counter() - start
            if result.returncode:
                raise RuntimeError(result.stderr[-2000:])
            figures[name] = {"value": round(elapsed, 2), "p95": None, "unit": "s", "reference": None,
                             "ratio": None, "detail": result.stdout.strip()}
        return figures


def bench_signin(database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
        env["CALANQUE_HOME"] = tmp
        if database_url:
            env["CALANQUE_DATABASE_URL"] = database_url
        result = subprocess.run([sys.executable, "-m", "bench.signin", "50"], env=env, capture_output=True,
                                text=True, cwd=ROOT)
        if result.returncode:
            raise RuntimeError(result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1])


def bench_delivery(database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    if database_url:
        env["CALANQUE_DATABASE_URL"] = database_url
    env["CALANQUE_BENCH_TMP"] = str(ROOT / "var")
    result = subprocess.run([sys.executable, "-m", "bench.delivery"], env=env, capture_output=True, text=True,
                            cwd=ROOT)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_folders(database_url: str | None, sizes: list[str]) -> dict:
    """The folder, search, message and load figures (bench/folders.py),
    through the real web server, in a home under var/bench/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "var" / "bench", prefix="home-") as home:
        env["CALANQUE_HOME"] = home
        if database_url:
            env["CALANQUE_DATABASE_URL"] = database_url
        result = subprocess.run([sys.executable, "-m", "bench.folders", "--sizes", ",".join(sizes)], env=env,
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if result.returncode:
            raise RuntimeError("bench.folders a échoué (voir ci-dessus)")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures.pop("_facts", None)
    if "inbox_page_ms_100k" in figures and "inbox_page_ms_10k" in figures:
        figures["inbox_growth_ratio"] = {
            "value": round(figures["inbox_page_ms_100k"]["value"] / figures["inbox_page_ms_10k"]["value"], 2),
            "p95": None, "unit": "×", "reference": None, "ratio": None}
    return figures


def bench_dovecot(sizes: list[str]) -> dict:
    from bench import dovecot
    from bench.delivery import message_sets
    from bench.mailcorpus import Corpus

    available, why = dovecot.ensure_installed(lambda text: print(text, flush=True))
    if not available:
        print(f"Référence Dovecot indisponible : {why}")
        return {}
    warm, one, four = message_sets("lea.garnier@ac-aix-marseille.fr")
    steps = {"10k": 10, "100k": 1}
    try:
        figures = dovecot.measure(ROOT / "var" / "bench" / "dovecot", Corpus(100_000),
                                  {s: steps[s] for s in sizes}, 50, warm + one + [m for b in four for m in b],
                                  lambda text: print(text, flush=True))
    except Exception as exc:  # noqa: BLE001 - Calanque's figures are still worth printing
        print(f"Référence Dovecot indisponible : {type(exc).__name__}: {exc}")
        return {}
    figures.pop("_facts", None)
    if "dovecot_request_ms_100k" in figures and "dovecot_request_ms_10k" in figures:
        figures["dovecot_growth_ratio"] = {
            "value": round(figures["dovecot_request_ms_100k"]["value"] / figures["dovecot_request_ms_10k"]["value"],
                           2), "p95": None, "unit": "×"}
    return figures


# Calanque figure → the Dovecot figure measured in the same run that it
# replaces (what a stateless webmail costs the IMAP server, or LMTP delivery).
REFERENCES = {
    "inbox_page_ms_10k": "dovecot_request_ms_10k",
    "inbox_page_ms_100k": "dovecot_request_ms_100k",
    "inbox_deep_page_ms_100k": "dovecot_deep_request_ms_100k",
    "inbox_growth_ratio": "dovecot_growth_ratio",
    "search_ms_10k": "dovecot_search_text_ms_10k",
    "search_ms_100k": "dovecot_search_text_ms_100k",
    "open_message_ms_10k": "dovecot_open_message_ms_10k",
    "open_message_ms_100k": "dovecot_open_message_ms_100k",
    "delivery_msgs_per_s_1conn": "dovecot_lmtp_msgs_per_s_1conn",
    "delivery_msgs_per_s_4conn": "dovecot_lmtp_msgs_per_s_4conn",
    "storage_bytes_per_message": "dovecot_storage_bytes_per_message",
}


def cell(figure: dict | None) -> str:
    if not figure:
        return "—"
    value = figure["value"]
    text = f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else f"{value:g}"
    text += f" {figure['unit']}"
    if figure.get("p95") is not None:
        text += f" (p95 {figure['p95']:g})"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="les dossiers de 10 000 messages seulement")
    parser.add_argument("--skip", default="", help="parties à sauter, séparées par des virgules : "
                        "import,signin,delivery,folders,dovecot,postgresql")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    sizes = ["10k"] if args.quick else ["10k", "100k"]
    backends = ["sqlite"]
    pg_names = [f"calanque_bench_{os.getpid()}_{n}" for n in range(4)]
    pg = "postgresql" not in skip and postgres_available()
    if pg:
        backends.append("postgresql")
    elif "postgresql" not in skip:
        print("PostgreSQL ne répond pas sur 127.0.0.1:5432 : mesures SQLite seulement.")
    started = time.perf_counter()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/
    results: dict[str, dict] = {}
    try:
        for backend in backends:
            urls = [postgres_database(name) for name in pg_names] if backend == "postgresql" else [None] * 4
            results[backend] = {}
            if "import" not in skip:
                print(f"… import de 60 000 personnels ({backend})", flush=True)
                results[backend].update(bench_import(urls[0], 60_000))
            if "signin" not in skip:
                print(f"… connexion et demandes de réinitialisation ({backend})", flush=True)
                results[backend].update(bench_signin(urls[1]))
            if "delivery" not in skip:
                print(f"… distribution SMTP ({backend})", flush=True)
                results[backend].update(bench_delivery(urls[2]))
            if "folders" not in skip:
                print(f"… dossiers de {' et '.join(sizes)} messages ({backend})", flush=True)
                results[backend].update(bench_folders(urls[3], sizes))
            if backend == "postgresql":
                for name in pg_names:
                    drop_postgres_database(name)
            # What is measured so far, in case a later part fails or is stopped.
            (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
            (ROOT / "var" / "bench" / "partial.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    finally:
        if pg:
            for name in pg_names:
                drop_postgres_database(name)
    dovecot = {} if "dovecot" in skip else bench_dovecot(sizes)
    if "dovecot" in skip:
        print("Référence Dovecot non mesurée (--skip dovecot).")

    for figures in results.values():
        for name, figure in figures.items():
            reference = dovecot.get(REFERENCES.get(name, ""))
            if reference:
                figure["reference"] = reference["value"]
                figure["ratio"] = round(figure["value"] / reference["value"], 3) if reference["value"] else None

    names = list(dict.fromkeys(n for figures in results.values() for n in figures))
    missed = {backend: missed_targets(results[backend], dovecot) for backend in results}
    width = max(len(n) for n in names) + 2
    print()
    print(f"{'mesure':<{width}}" + "".join(f"{b:>30}" for b in results) + f"{'Dovecot (même exécution)':>30}")
    for name in names:
        row = f"{name:<{width}}"
        for backend in results:
            text = cell(results[backend].get(name))
            if name in missed[backend]:
                text = "✗ " + text
            row += f"{text:>30}"
        row += f"{cell(dovecot.get(REFERENCES.get(name, ''))):>30}"
        print(row)
    if dovecot:
        print("\nRéférence Dovecot seule :")
        for name, figure in dovecot.items():
            print(f"  {name:<{width}}{cell(figure):>30}" + (f"  ({figure['detail']})" if figure.get("detail") else ""))
    print()
    for backend in results:
        for name, why in missed[backend].items():
            profile = results[backend][name].get("profile")
            print(f"CIBLE MANQUÉE ({backend}) : {name} = {cell(results[backend][name])} — {why}"
                  + (f" ; où va le temps : {profile}" if profile else ""))
    for backend in results:
        for name, figure in results[backend].items():
            if figure.get("detail") and name not in ("import_staff_60k_s", "reimport_staff_60k_s"):
                print(f"{name} ({backend}) : {figure['detail']}")
    print(f"\nMachine : {platform.machine()}, {os.cpu_count()} cœurs, {platform.platform()}, "
          f"Python {platform.python_version()} ; durée du banc {(time.perf_counter() - started) / 60:.1f} min")

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    latest = {}
    for backend, figures in results.items():
        for name, figure in figures.items():
            latest[name if backend == "sqlite" else f"{name}_pg"] = {
                k: figure.get(k) for k in ("value", "p95", "unit", "reference", "ratio")
            }
    for name, figure in dovecot.items():
        latest[name] = {"value": figure["value"], "p95": figure.get("p95"), "unit": figure["unit"],
                        "reference": None, "ratio": None}
    (out / "latest.json").write_text(json.dumps(latest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Résultats écrits dans {out / 'latest.json'}")


if __name__ == "__main__":
    main()
