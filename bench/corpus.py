"""Deterministic invented data for the benchmarks. Nobody real: names are
built from syllables, UAIs are in the 9xxx range, NUMENs end in BEN."""

import csv
import random
from pathlib import Path

from calanque.academy.identifiers import uai_key

SYLLABLES = ["ba", "ber", "cha", "don", "fa", "gar", "lan", "mo", "nier", "pel", "rou", "san", "tel", "va", "zé",
             "lè", "mar", "ti", "quet", "bal"]
DEPARTMENTS = ["04", "05", "13", "84"]
FIRST_NAMES = ["Léa", "Hugo", "Nadia", "Julien", "Sophie", "Karim", "Claire", "Élodie", "Marie", "Thomas", "Inès",
               "Lucas", "Chloé", "Mathis", "Yasmine", "Nicolas", "Camille", "Antoine", "Manon", "Rémi", "Zoé"]


def write_staff_csv(establishments_path: Path, staff_path: Path, lines: int, seed: int = 60_000) -> None:
    rng = random.Random(seed)
    uais = []
    with establishments_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["uai", "nom", "type", "departement"])
        for n in range(400):
            department = DEPARTMENTS[n % 4]
            digits = f"{int(department):03d}{5000 + n:04d}"
            uai = digits + uai_key(digits)
            kind = ["ecole", "ecole", "college", "lycee", "lycee_pro"][n % 5]
            writer.writerow([uai, f"Établissement de test {n}", kind, department])
            uais.append((uai, kind))
    with staff_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["nom", "prenom", "degre", "uai", "numen", "fonction", "courriel_secours"])
        for n in range(lines):
            last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            first = rng.choice(FIRST_NAMES)
            uai, kind = rng.choice(uais)
            degree = "premier" if kind == "ecole" else "second"
            recovery = f"perso{n}@example.org" if n % 3 else ""
            writer.writerow([last, first, degree, uai, f"{n % 100:02d}B{n:07d}BEN", "Enseignant", recovery])
