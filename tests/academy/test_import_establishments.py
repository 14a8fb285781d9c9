"""`calanque import-establishments`: the établissements feed, through the command."""

import io

import pytest
from django.core.management import call_command

from calanque.academy.identifiers import uai_key
from calanque.academy.models import Establishment

pytestmark = pytest.mark.django_db

HEADER = "uai;nom;type;departement;commune;assistance;adresse;code_postal"


def uai(number: int, department: str = "13") -> str:
    digits = f"{int(department):03d}{8000 + number:04d}"
    return digits + uai_key(digits)


def run_import(tmp_path, text: str):
    path = tmp_path / "etablissements.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_establishments", str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + err.getvalue()


def test_an_establishment_comes_with_its_address_and_its_own_team_address(tmp_path):
    code, output = run_import(tmp_path, f"{HEADER}\n{uai(1)};Lycée des Essais;lycee;13;Marseille;oui;"
                                        "12 rue des Amandiers;13008\n")
    assert code == 0, output
    place = Establishment.objects.get(uai=uai(1))
    assert (place.address, place.postal_code, place.city) == ("12 rue des Amandiers", "13008", "Marseille")
    assert place.support_team.email == f"assistance.{uai(1).lower()}@ac-aix-marseille.fr"


def test_a_bad_postal_code_is_refused_with_its_line_and_the_others_are_imported(tmp_path):
    code, output = run_import(tmp_path, f"{HEADER}\n{uai(2)};École A;ecole;13;Arles;non;1 place X;13200\n"
                                        f"{uai(3)};École B;ecole;13;Arles;non;2 place X;13 200\n")
    assert code == 1
    assert "ligne 3" in output and "code postal « 13 200 » invalide" in output
    assert Establishment.objects.filter(uai=uai(2)).exists() and not Establishment.objects.filter(uai=uai(3)).exists()
