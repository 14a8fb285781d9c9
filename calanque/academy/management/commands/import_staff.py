import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from calanque.academy.actions import do_import_staff
from calanque.academy.feeds import FeedError
from calanque.academy.models import Academy


def academy_option(value: str | None) -> Academy:
    """The académie named by --academie (code or domain), or the only one."""
    academies = list(Academy.objects.all())
    if value:
        for academy in academies:
            if value in (academy.slug, academy.domain):
                return academy
        raise CommandError(f"académie inconnue « {value} » ; connues : {', '.join(a.slug for a in academies) or 'aucune'}")
    if len(academies) == 1:
        return academies[0]
    if not academies:
        raise CommandError("aucune académie configurée : lancez d'abord « calanque setup-academy aix-marseille »")
    raise CommandError(f"plusieurs académies configurées : précisez --academie ({', '.join(a.slug for a in academies)})")


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"{path} : {exc.strerror}") from None


def progress_bar(description: str):
    def wrap(rows):
        return tqdm(rows, desc=description, unit=" lignes", file=sys.stderr, disable=None, leave=False)
    return wrap


def print_report(command, path: str, report) -> None:
    for line, reason in report.rejected:
        command.stderr.write(f"{path}, ligne {line} : {reason}")
    command.stdout.write(
        f"{report.created} créé(s), {report.updated} mis à jour, {report.unchanged} inchangé(s), "
        f"{report.disabled} désactivé(s), {len(report.rejected)} rejeté(s)"
    )


class Command(BaseCommand):
    help = "Importe ou met à jour les personnels depuis le fichier CSV de l'académie (voir README)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier CSV (UTF-8 ou Latin-1, séparateur ; ou ,)")
        parser.add_argument("--academie", help="code ou domaine de l'académie (obligatoire s'il y en a plusieurs)")
        parser.add_argument(
            "--desactiver-absents", action="store_true",
            help="désactive les comptes de l'académie absents du fichier (fichier complet)",
        )

    def handle(self, *args, **options):
        academy = academy_option(options["academie"])
        data = read_file(options["file"])
        try:
            report = do_import_staff(
                academy, data, disable_missing=options["desactiver_absents"], progress=progress_bar("Import"),
            )
        except FeedError as exc:
            raise CommandError(f"{options['file']}, {exc}") from None
        print_report(self, options["file"], report)
        if report.rejected:
            sys.exit(1)
