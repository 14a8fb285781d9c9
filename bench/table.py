"""var/bench/latest.json as the Markdown table of the README's
« Performances » section: `.venv/bin/python -m bench.table [fichier.json]`."""

import json
import sys
from pathlib import Path

from bench.targets import missed_targets

# figure → (what it is, target from the benchmark issue)
ROWS = {
    "inbox_page_ms_10k": ("page du dossier, 50 plus récents, 10 000 messages", "—"),
    "inbox_page_ms_100k": ("page du dossier, 100 000 messages", "≤ 30 ms"),
    "inbox_deep_page_ms_100k": ("page 1 001 (rang 50 000), 100 000 messages", "≤ 1,2 × page 1"),
    "inbox_growth_ratio": ("croissance page 100k / page 10k", "≤ 1,2"),
    "search_ms_10k": ("recherche du mot à 1 %, 10 000 messages", "—"),
    "search_ms_100k": ("recherche du mot à 1 %, 100 000 messages", "≤ 50 ms et < fts-xapian"),
    "open_message_ms_10k": ("ouvrir un message HTML médian (page + corps assaini), 10k", "—"),
    "open_message_ms_100k": ("ouvrir un message HTML médian, 100k", "≤ 20 ms"),
    "inbox_rps_16_clients": ("16 clients connectés sur la page du dossier 100k, 30 s", "0 erreur"),
    "web_rss_mb": ("mémoire résidente d'un processus web après le banc", "≤ 150 Mo"),
    "delivery_msgs_per_s_1conn": ("distribution SMTP acquittée (250 après commit), 1 connexion", "—"),
    "delivery_msgs_per_s_4conn": ("idem, 4 connexions", "≥ Dovecot LMTP"),
    "fsync_per_s": ("écriture 4 Ko + fsync, même disque", "limite physique"),
    "storage_bytes_per_message": ("disque par message de ≈ 6,5 Ko", "≤ 1,15 × brut"),
    "storage_circular_1000_bytes": ("une circulaire à 1 000 collègues", "stockée une fois"),
    "import_staff_60k_s": ("`import-staff` de 60 000 lignes", "≤ 60 s"),
    "reimport_staff_60k_s": ("même fichier, rien à changer", "—"),
    "signin_ms": ("connexion complète mot de passe + code", "—"),
    "reset_request_known_ms": ("« mot de passe oublié », compte existant", "= inconnu"),
    "reset_request_unknown_ms": ("« mot de passe oublié », identifiant inconnu", "= existant"),
    "bulk_load_msgs_per_s_100k": ("chargement du corpus (mail.bulk), pour mémoire", "—"),
}
REFERENCE_NAMES = {
    "inbox_page_ms_10k": "LOGIN+SELECT+SORT+FETCH 50",
    "inbox_page_ms_100k": "LOGIN+SELECT+SORT+FETCH 50",
    "inbox_deep_page_ms_100k": "idem au rang 50 000",
    "inbox_growth_ratio": "croissance",
    "search_ms_10k": "SEARCH TEXT sans index",
    "search_ms_100k": "SEARCH TEXT sans index",
    "open_message_ms_10k": "nouvelle session + FETCH",
    "open_message_ms_100k": "nouvelle session + FETCH",
    "delivery_msgs_per_s_1conn": "LMTP",
    "delivery_msgs_per_s_4conn": "LMTP",
    "storage_bytes_per_message": "Maildir + index",
}


def number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.3g}".replace(".", ",") if abs(value) < 10 else f"{value:.0f}"


def cell(figure: dict | None) -> str:
    if not figure:
        return "—"
    text = f"{number(figure['value'])} {figure['unit']}"
    if figure.get("p95") is not None:
        text += f" (p95 {number(figure['p95'])})"
    return text


def main() -> None:
    default = Path(__file__).resolve().parent.parent / "var" / "bench" / "latest.json"
    latest = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else default).read_text())
    dovecot = {k: v for k, v in latest.items() if k.startswith("dovecot_")}
    backends = {"sqlite": {k: v for k, v in latest.items() if k in ROWS},
                "pg": {k[:-3]: v for k, v in latest.items() if k.endswith("_pg") and k[:-3] in ROWS}}
    # (latest.json keeps no raw message size: the storage target is checked by `make bench` alone.)
    missed = {backend: missed_targets(figures, dovecot) for backend, figures in backends.items()}

    def mark(backend, name):
        text = cell(backends[backend].get(name))
        return f"✗ {text}" if name in missed[backend] else text

    print("| mesure | SQLite | PostgreSQL | Dovecot, même exécution | cible |")
    print("|---|---|---|---|---|")
    for name, (what, target) in ROWS.items():
        if name not in latest and f"{name}_pg" not in latest:
            continue
        figure = latest.get(name) or latest.get(f"{name}_pg")
        reference = ""
        if figure.get("reference") is not None:
            reference = f"{number(figure['reference'])} {figure['unit']} ({REFERENCE_NAMES.get(name, '')})"
        print(f"| `{name}` : {what} | {mark('sqlite', name)} | {mark('pg', name)} | {reference or '—'} | {target} |")
    extra = {k: v for k, v in latest.items() if k.startswith("dovecot_")}
    if extra:
        print()
        print("| Dovecot seul | valeur |")
        print("|---|---|")
        for name, figure in extra.items():
            print(f"| `{name}` | {cell(figure)} |")


if __name__ == "__main__":
    main()
