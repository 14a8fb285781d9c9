"""`calanque import-staff`: the académie's staff feed, through the command."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from calanque.academy.identifiers import uai_key
from calanque.academy.models import Establishment, Staff

pytestmark = pytest.mark.django_db

HEADER = "nom;prenom;degre;uai;numen;fonction;courriel_secours"


@pytest.fixture
def school():
    return Establishment.objects.filter(kind="ecole", department__code="13").order_by("uai").first()


@pytest.fixture
def college():
    return Establishment.objects.filter(kind="college").order_by("uai").first()


def run_import(tmp_path, text: str, *args, encoding="utf-8"):
    path = tmp_path / "personnels.csv"
    path.write_bytes(text.encode(encoding))
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_staff", str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_it_creates_accounts_with_folded_identifiers_and_numbered_homonyms(tmp_path, school, college):
    code, out, err = run_import(tmp_path, "\n".join([
        HEADER,
        f"Février;Élodie;premier;{school.uai};01A0000001XYZ;Professeur des écoles;elodie@example.org",
        f"Le Gall;Jean-Pierre;second;{college.uai};01A0000002XYZ;CPE;",
        f"Martin;Paul;premier;{school.uai};01A0000003XYZ;;",
        f"MARTIN;paul;second;{college.uai};01A0000004XYZ;;",
        f"N'Diaye;Aïcha;second;{college.uai};01A0000005XYZ;;",
    ]))
    assert code == 0, err
    assert "5 créé(s)" in out
    elodie = Staff.objects.get(identifier="elodie.fevrier")
    assert elodie.email == "elodie.fevrier@ac-aix-marseille.fr"
    assert elodie.first_name == "Élodie" and elodie.degree == "premier"
    assert elodie.establishment == school and elodie.recovery_email == "elodie@example.org"
    assert not elodie.has_usable_password()
    assert Staff.objects.filter(identifier="jean-pierre.le-gall").exists()
    assert Staff.objects.filter(identifier="paul.martin").exists()
    assert Staff.objects.filter(identifier="paul.martin2").exists()
    assert Staff.objects.filter(identifier="aicha.ndiaye").exists()


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path, school):
    text = f"{HEADER}\nDurand;Inès;premier;{school.uai};02B0000001XYZ;Professeur des écoles;\n"
    run_import(tmp_path, text)
    code, out, _ = run_import(tmp_path, text)
    assert code == 0
    assert "0 créé(s), 0 mis à jour, 1 inchangé(s)" in out
    assert Staff.objects.filter(last_name="Durand", first_name="Inès").count() == 1


def test_a_reimport_updates_the_person_found_by_numen_and_keeps_the_identifier(tmp_path, school, college):
    run_import(tmp_path, f"{HEADER}\nDurand;Inès;premier;{school.uai};02B0000001XYZ;Professeur des écoles;\n")
    code, out, _ = run_import(
        tmp_path, f"{HEADER}\nDurand-Vidal;Inès;second;{college.uai};02b 0000001 xyz;Professeure de lettres;\n"
    )
    assert code == 0 and "1 mis à jour" in out
    person = Staff.objects.get(identifier="ines.durand")
    assert person.last_name == "Durand-Vidal" and person.degree == "second"
    assert person.establishment == college and person.function == "Professeure de lettres"


def test_latin1_and_comma_separated_files_are_accepted(tmp_path, school):
    text = f"nom,prénom,degré,UAI,NUMEN\nFévrier,Gaëlle,premier,{school.uai},03C0000001XYZ\n"
    code, out, err = run_import(tmp_path, text, encoding="latin-1")
    assert code == 0, err
    assert Staff.objects.get(identifier="gaelle.fevrier").first_name == "Gaëlle"


def test_utf8_with_bom_is_accepted(tmp_path, school):
    code, _, err = run_import(tmp_path, f"\ufeff{HEADER}\nRoux;Zoé;premier;{school.uai};03C0000002XYZ;;\n")
    assert code == 0, err
    assert Staff.objects.filter(identifier="zoe.roux").exists()


def test_each_invalid_line_is_reported_with_its_number_and_the_valid_lines_are_imported(tmp_path, school):
    bad_key = school.uai[:7] + ("A" if school.uai[7] != "A" else "B")
    unknown = "0999999" + uai_key("0999999")
    code, out, err = run_import(tmp_path, "\n".join([
        HEADER,
        f"Valide;Anne;premier;{school.uai};04D0000001XYZ;;",  # line 2
        f"Cle;Bruno;premier;{bad_key};04D0000002XYZ;;",  # line 3
        f"Inconnu;Carla;premier;{unknown};04D0000003XYZ;;",  # line 4
        f"Double;Denis;premier;{school.uai};04D0000001XYZ;;",  # line 5
        f"Degre;Emma;maternelle;{school.uai};04D0000005XYZ;;",  # line 6
        f"Courriel;Fanny;premier;{school.uai};04D0000006XYZ;;pas-une-adresse",  # line 7
        f";Gilles;premier;{school.uai};04D0000007XYZ;;",  # line 8
        f"Numen;Hugo;premier;{school.uai};123;;",  # line 9
        f"Secours;Iris;premier;{school.uai};04D0000009XYZ;;iris@ac-aix-marseille.fr",  # line 10
    ]))
    assert code == 1
    assert "1 créé(s)" in out and "8 rejeté(s)" in out
    lines = err.strip().splitlines()
    assert [line.split(" : ")[0].rsplit(", ", 1)[1] for line in lines] == [f"ligne {n}" for n in range(3, 11)]
    assert "la lettre clé devrait être" in lines[0]
    assert "inconnu" in lines[1]
    assert "NUMEN en double (déjà présent ligne 2)" in lines[2]
    assert "degré inconnu « maternelle »" in lines[3]
    assert "adresse de secours invalide" in lines[4]
    assert "nom manquant" in lines[5]
    assert "NUMEN invalide" in lines[6]
    assert "extérieure à l'académie" in lines[7]
    assert Staff.objects.filter(last_name="Valide").count() == 1
    assert not Staff.objects.filter(last_name__in=["Cle", "Inconnu", "Double", "Degre", "Courriel", "Numen", "Secours"]).exists()


def test_a_missing_column_rejects_the_whole_file_naming_line_1(tmp_path, school):
    before = Staff.objects.count()
    path = tmp_path / "incomplet.csv"
    path.write_text(f"nom;prenom;uai\nDupuis;Léon;{school.uai}\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"ligne 1 : colonne\(s\) manquante\(s\) : degre, numen"):
        call_command("import_staff", str(path))
    assert Staff.objects.count() == before


def test_disabling_accounts_absent_from_a_complete_feed(tmp_path, school):
    run_import(tmp_path, f"{HEADER}\nUn;Alain;premier;{school.uai};05E0000001XYZ;;\nDeux;Berthe;premier;{school.uai};05E0000002XYZ;;\n")
    demo_people = Staff.objects.filter(is_active=True, numen_hash__isnull=False).count()
    code, out, _ = run_import(tmp_path, f"{HEADER}\nUn;Alain;premier;{school.uai};05E0000001XYZ;;\n", "--desactiver-absents")
    assert code == 0
    assert f"{demo_people - 1} désactivé(s)" in out
    assert not Staff.objects.get(identifier="berthe.deux").is_active
    assert Staff.objects.get(identifier="alain.un").is_active


def test_the_numen_is_stored_only_as_a_keyed_hash(tmp_path, school):
    run_import(tmp_path, f"{HEADER}\nSecret;Noé;premier;{school.uai};06F0000001XYZ;;\n")
    person = Staff.objects.get(identifier="noe.secret")
    assert person.numen_hash and len(person.numen_hash) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM academy_staff WHERE id = %s", [person.id])
        row = cursor.fetchone()
    assert not any("06F0000001XYZ" in str(value) for value in row)
    assert settings.CALANQUE_NUMEN_KEY not in str(row)


def test_control_characters_and_odd_digits_are_rejected_per_line(tmp_path, school):
    code, out, err = run_import(tmp_path, "\n".join([
        "nom;prenom;degre;uai;numen;quota_mo",
        f"Nul\x00;Zora;premier;{school.uai};07G0000001XYZ;",
        f"Carre;Yves;premier;{school.uai};07G0000002XYZ;5²",
        f"Bon;Xavier;premier;{school.uai};07G0000003XYZ;3000",
    ]))
    assert code == 1
    assert "ligne 2 : nom : caractère de contrôle invalide" in err
    assert "ligne 3 : quota invalide « 5² »" in err
    assert Staff.objects.get(identifier="xavier.bon").quota_mb == 3000
