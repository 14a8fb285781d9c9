"""The demo académie: invented établissements and people, loaded through the
same imports as a real feed.

Every name, UAI and NUMEN here is made up. UAIs use the 9xxx range of each
département and NUMENs end in ``DMO`` so that they are recognisable as demo data.
"""

import csv
import io
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from calanque.academy.actions import (
    ImportReport,
    do_import_establishments,
    do_import_staff,
    do_setup_academy,
    load_academy_description,
)
from calanque.academy.identifiers import numen_fingerprint, uai_key
from calanque.academy.models import Academy, Degree, Establishment, Staff, SupportTeam
from calanque.accounts.actions import do_trust_recovery_email

DEMO_PASSWORD = "Calanque-démo-2026"

FIRST_NAMES = [
    "Léa", "Hugo", "Nadia", "Julien", "Sophie", "Karim", "Claire", "Élodie", "Marie", "Thomas", "Inès", "Lucas",
    "Chloé", "Mathis", "Yasmine", "Nicolas", "Camille", "Antoine", "Manon", "Rémi", "Zoé", "Bastien", "Anaïs",
    "Olivier", "Fatima", "Cédric", "Laure", "Mehdi", "Hélène", "Gaëlle", "François", "Noémie", "Jérôme", "Aïcha",
]
LAST_NAMES = [
    "Garnier", "Bernard", "Rousseau", "Morel", "Lambert", "Fontaine", "Dubois", "Février", "Dupont", "Mercier",
    "Blanc", "Guérin", "Faure", "André", "Chevalier", "Roux", "Vidal", "Aubert", "Giraud", "Lefèvre", "Bonnet",
    "Arnaud", "Moulin", "Olivier", "Perrin", "Barbier", "Maillard", "Rey", "Noël", "Lacroix", "Benali", "Esposito",
    "Le Gall", "N'Diaye", "Saint-Martin",
]
CITIES = {
    "04": ["Digne-les-Bains", "Manosque", "Sisteron", "Forcalquier"],
    "05": ["Gap", "Briançon", "Embrun", "Laragne-Montéglin"],
    "13": ["Marseille", "Aix-en-Provence", "Arles", "Martigues", "Aubagne", "Salon-de-Provence"],
    "84": ["Avignon", "Carpentras", "Orange", "Cavaillon", "Apt"],
}
# Invented streets; postal codes are the département's followed by invented digits.
STREETS = ["rue des Amandiers", "avenue du Félibrige", "boulevard des Platanes", "chemin de la Pinède",
           "place des Tilleuls", "allée des Micocouliers", "rue du Vieux-Port", "avenue des Santons"]
SCHOOL_NAMES = ["des Lavandes", "des Oliviers", "du Mistral", "des Cigales", "de la Garrigue", "des Pins"]
COLLEGE_NAMES = ["Les Calanques", "Sainte-Victoire", "Le Ventoux", "Les Écrins"]
LYCEE_NAMES = ["Marcel-Pagnol", "Frédéric-Mistral", "Alexandra-David-Néel", "Germaine-Tillion"]
FUNCTIONS = {
    Degree.PRIMARY: ["Professeur des écoles", "Directrice d'école", "Directeur d'école", "Enseignant spécialisé"],
    Degree.SECONDARY: [
        "Professeur de mathématiques", "Professeure de lettres", "Professeur d'histoire-géographie",
        "Professeure d'anglais", "CPE", "Professeur de SVT", "Proviseur adjoint", "Principale",
    ],
    Degree.ADMINISTRATION: ["Gestionnaire", "Secrétaire", "Chargé de mission", "Technicien informatique"],
}


@dataclass
class DemoAccount:
    identifier: str
    email: str
    password: str
    role: str
    degree: str
    department: str
    establishment: str


# (first name, last name, role label, degree, establishment key, team key)
ROLE_ACCOUNTS = [
    ("Léa", "Garnier", "enseignante du premier degré", Degree.PRIMARY, "ecole-13-1", None),
    ("Hugo", "Bernard", "enseignant du second degré", Degree.SECONDARY, "college-84-1", None),
    ("Nadia", "Rousseau", "personnel administratif", Degree.ADMINISTRATION, "rectorat", None),
    ("Julien", "Morel", "agent d'assistance de la DSDEN 13", Degree.ADMINISTRATION, "dsden-13", "dsden-13"),
    ("Sophie", "Lambert", "agente d'assistance d'établissement", Degree.SECONDARY, "lycee-13-1", "lycee-13-1"),
    ("Karim", "Fontaine", "agent d'assistance du Rectorat", Degree.ADMINISTRATION, "rectorat", "rectorat"),
    ("Claire", "Dubois", "administratrice", Degree.ADMINISTRATION, "rectorat", "admin"),
]


def _uai(department: str, number: int) -> str:
    digits = f"{int(department):03d}{9000 + number:04d}"
    return digits + uai_key(digits)


def _establishments() -> list[dict]:
    """Key, UAI, name, type, département, city and whether it has its own support."""
    rows = [
        {"key": "rectorat", "uai": _uai("13", 1), "nom": "Rectorat de l'académie d'Aix-Marseille",
         "type": "service", "departement": "13", "commune": "Aix-en-Provence", "assistance": "non"},
    ]
    number = 2
    for department, cities in CITIES.items():
        rows.append({"key": f"dsden-{department}", "uai": _uai(department, number),
                     "nom": f"DSDEN {department}", "type": "service", "departement": department,
                     "commune": cities[0], "assistance": "non"})
        number += 1
        for kind, names, count, prefix in (
            ("ecole", SCHOOL_NAMES, 4, "École élémentaire"),
            ("college", COLLEGE_NAMES, 2, "Collège"),
            ("lycee", LYCEE_NAMES, 1, "Lycée"),
            ("lycee_pro", LYCEE_NAMES[1:], 1, "Lycée professionnel"),
        ):
            for i in range(count):
                city = cities[(i + len(kind)) % len(cities)]
                rows.append({
                    "key": f"{kind}-{department}-{i + 1}", "uai": _uai(department, number),
                    "nom": f"{prefix} {names[(i + int(department)) % len(names)]}", "type": kind,
                    "departement": department, "commune": city,
                    # Lycées of the demo have their own support; collèges rely on the Rectorat.
                    "assistance": "oui" if kind in ("lycee", "lycee_pro") else "non",
                })
                number += 1
    for n, row in enumerate(rows):
        row["adresse"] = f"{3 + (n * 7) % 60} {STREETS[n % len(STREETS)]}"
        row["code_postal"] = f"{row['departement']}{100 + (n * 10) % 900:03d}"
    return rows


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=";", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _numen(n: int) -> str:
    return f"{n % 100:02d}D{n:07d}DMO"


def _staff(establishments: list[dict], size: int) -> list[dict]:
    by_key = {e["key"]: e for e in establishments}
    rows = []
    for n, (first, last, _role, degree, key, _team) in enumerate(ROLE_ACCOUNTS, start=1):
        rows.append({"nom": last, "prenom": first, "degre": degree.value, "uai": by_key[key]["uai"],
                     "numen": _numen(n), "fonction": FUNCTIONS[degree][0],
                     "courriel_secours": f"{first.lower()}.{last.lower()}@example.org".replace("é", "e")})
    rng = random.Random(2026)
    schools = [e for e in establishments if e["type"] == "ecole"]
    secondary = [e for e in establishments if e["type"] in ("college", "lycee", "lycee_pro")]
    services = [e for e in establishments if e["type"] == "service"]
    # A homonym pair, to show prenom.nom2; and accents folded in identifiers.
    rows.append({"nom": "Dupont", "prenom": "Marie", "degre": "premier", "uai": schools[0]["uai"],
                 "numen": _numen(900), "fonction": "Professeur des écoles"})
    rows.append({"nom": "Dupont", "prenom": "Marie", "degre": "second", "uai": secondary[0]["uai"],
                 "numen": _numen(901), "fonction": "Professeure de lettres"})
    n = 1000
    while len(rows) < size:
        degree = rng.choices([Degree.PRIMARY, Degree.SECONDARY, Degree.ADMINISTRATION], [45, 45, 10])[0]
        place = rng.choice({Degree.PRIMARY: schools, Degree.SECONDARY: secondary,
                            Degree.ADMINISTRATION: services}[degree])
        rows.append({"nom": rng.choice(LAST_NAMES), "prenom": rng.choice(FIRST_NAMES), "degre": degree.value,
                     "uai": place["uai"], "numen": _numen(n), "fonction": rng.choice(FUNCTIONS[degree])})
        n += 1
    return rows


def load_demo(*, size: int = 200) -> tuple[Academy, list[DemoAccount], ImportReport]:
    """Create the demo académie of Aix-Marseille (idempotent) and return its
    role accounts. A role account's password is set only while it has none, so
    that a password changed during the demo survives a restart."""
    description = load_academy_description("aix-marseille")
    academy = do_setup_academy(description, domain=settings.CALANQUE_DOMAIN)
    establishments = _establishments()
    do_import_establishments(academy, _csv(establishments, ["uai", "nom", "type", "departement", "commune", "assistance", "adresse",
                                          "code_postal"]))
    report = do_import_staff(
        academy, _csv(_staff(establishments, size), ["nom", "prenom", "degre", "uai", "numen", "fonction", "courriel_secours"])
    )
    by_key = {e["key"]: e for e in establishments}
    accounts = []
    with transaction.atomic():
        for n, (_first, _last, role, _degree, key, team) in enumerate(ROLE_ACCOUNTS, start=1):
            establishment = Establishment.objects.get(uai=by_key[key]["uai"])
            staff = Staff.objects.get(academy=academy, numen_hash=numen_fingerprint(_numen(n), settings.CALANQUE_NUMEN_KEY))
            if team == "admin":
                staff.is_staff = staff.is_superuser = True
                staff.save(update_fields=["is_staff", "is_superuser"])
            elif team == "rectorat":
                SupportTeam.objects.get(academy=academy, kind=SupportTeam.Kind.RECTORAT).members.add(staff)
            elif team and team.startswith("dsden-"):
                establishment.department.support_teams.get(kind=SupportTeam.Kind.DSDEN).members.add(staff)
            elif team:
                establishment.support_team.members.add(staff)
            if not staff.has_usable_password():
                staff.set_password(DEMO_PASSWORD)
                staff.save(update_fields=["password"])
                # Invented example.org addresses: trusted, so that the
                # forgotten-password flow can be tried at once.
                do_trust_recovery_email(staff)
            accounts.append(DemoAccount(
                identifier=staff.identifier, email=staff.email, password=DEMO_PASSWORD, role=role,
                degree=staff.get_degree_display(), department=establishment.department.code,
                establishment=f"{establishment.name} ({establishment.uai})",
            ))
    return academy, accounts, report


def write_accounts_file(path: Path, accounts: list[DemoAccount]) -> None:
    path.write_text(json.dumps([asdict(a) for a in accounts], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
