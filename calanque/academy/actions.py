"""Writes to the organisation: the staff and établissement imports.

Every import validates each line on its own: invalid lines are reported with
their number and reason while the valid ones are written, all in one
transaction, so a crash or a database error leaves the previous state intact.
"""

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from calanque.academy.feeds import Row, read_rows
from calanque.academy.identifiers import (
    NUMEN_PATTERN,
    base_identifier,
    fold,
    is_valid_identifier,
    normalise_numen,
    normalise_uai,
    numen_fingerprint,
    uai_error,
)
from calanque.academy.models import Academy, Degree, Department, Establishment, Staff, SupportTeam

Progress = Callable[[Iterable], Iterable]

DEGREES = {
    "premier": Degree.PRIMARY, "1": Degree.PRIMARY, "1d": Degree.PRIMARY, "premier degre": Degree.PRIMARY,
    "second": Degree.SECONDARY, "2": Degree.SECONDARY, "2d": Degree.SECONDARY, "second degre": Degree.SECONDARY,
    "administration": Degree.ADMINISTRATION, "adm": Degree.ADMINISTRATION, "admin": Degree.ADMINISTRATION,
    "administratif": Degree.ADMINISTRATION, "personnel administratif": Degree.ADMINISTRATION,
}
STATUSES = {"": True, "actif": True, "active": True, "inactif": False, "inactive": False, "desactive": False}
ESTABLISHMENT_KINDS = {
    "ecole": Establishment.Kind.SCHOOL, "college": Establishment.Kind.COLLEGE, "lycee": Establishment.Kind.LYCEE,
    "lycee pro": Establishment.Kind.VOCATIONAL, "lycee professionnel": Establishment.Kind.VOCATIONAL,
    "lycee_pro": Establishment.Kind.VOCATIONAL, "lp": Establishment.Kind.VOCATIONAL,
    "service": Establishment.Kind.SERVICE,
}

STAFF_COLUMNS = {"nom", "prenom", "degre", "uai", "numen"}
STAFF_OPTIONAL = {"identifiant", "fonction", "courriel_secours", "quota_mo", "statut"}
STAFF_ALIASES = {
    "adresse_de_secours": "courriel_secours", "courriel_de_secours": "courriel_secours",
    "email_secours": "courriel_secours", "mail_secours": "courriel_secours", "etat": "statut",
    "quota": "quota_mo", "degré": "degre",
}
ESTABLISHMENT_COLUMNS = {"uai", "nom", "type", "departement"}
ESTABLISHMENT_OPTIONAL = {"commune", "assistance", "adresse", "code_postal"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    disabled: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def _reject(report: ImportReport, row: Row, reason: str) -> None:
    report.rejected.append((row.line, reason))


def _unusable_password() -> str:
    # Imported accounts have no password until an activation link sets one;
    # cheaper than make_password(None) for 60,000 rows.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _text(row: Row, key: str, label: str, max_length: int, report: ImportReport, required=True) -> str | None:
    value = " ".join(row.values.get(key, "").split())
    if any(ord(c) < 32 or 0xD800 <= ord(c) < 0xE000 for c in value):
        _reject(report, row, f"{label} : caractère de contrôle invalide")
        return None
    if required and not value:
        _reject(report, row, f"{label} manquant")
        return None
    if len(value) > max_length:
        _reject(report, row, f"{label} trop long ({len(value)} caractères, {max_length} au plus)")
        return None
    return value


def do_import_staff(
    academy: Academy, data: bytes, *, disable_missing: bool = False, progress: Progress = iter
) -> ImportReport:
    """Create or update the staff accounts of ``academy`` from the CSV ``data``.

    Idempotent: a person is recognised by the keyed hash of their NUMEN, so a
    second import of the same file changes nothing. New accounts get
    ``prenom.nom`` folded to ASCII, with a digit for homonyms (``prenom.nom2``).
    An existing account keeps its identifier even when its names change, since
    the identifier is the mail address. With ``disable_missing``, accounts of
    the académie that have a NUMEN and are absent from the file are disabled.

    Raises FeedError when the file as a whole is unreadable; line-level
    problems are returned in ``ImportReport.rejected``.
    """
    rows = read_rows(data, required=STAFF_COLUMNS, optional=STAFF_OPTIONAL, aliases=STAFF_ALIASES)
    report = ImportReport()
    key = settings.CALANQUE_NUMEN_KEY
    domain_suffix = "@" + academy.domain

    establishments = dict(
        Establishment.objects.filter(department__academy=academy).values_list("uai", "id")
    )
    existing = {
        s.numen_hash: s
        for s in Staff.objects.filter(academy=academy, numen_hash__isnull=False).only(
            "id", "identifier", "numen_hash", "first_name", "last_name", "degree", "function",
            "establishment_id", "recovery_email", "quota_mb", "is_active",
        )
    }
    taken = set(Staff.objects.filter(academy=academy).values_list("identifier", flat=True))
    explicit = {fold(r.values.get("identifiant", "")) for r in rows if r.values.get("identifiant")}

    seen: dict[str, int] = {}
    to_create: list[Staff] = []
    to_update: list[Staff] = []
    update_fields = [
        "first_name", "last_name", "degree", "function", "establishment_id", "recovery_email", "quota_mb",
        "is_active",
    ]

    for row in progress(rows):
        if "__error__" in row.values:
            _reject(report, row, row.values["__error__"])
            continue
        last_name = _text(row, "nom", "nom", 100, report)
        if last_name is None:
            continue
        first_name = _text(row, "prenom", "prénom", 100, report)
        if first_name is None:
            continue
        function = _text(row, "fonction", "fonction", 120, report, required=False)
        if function is None:
            continue
        numen = normalise_numen(row.values["numen"])
        if not NUMEN_PATTERN.match(numen):
            _reject(report, row, "NUMEN invalide (13 lettres ou chiffres attendus)")
            continue
        fingerprint = numen_fingerprint(numen, key)
        if fingerprint in seen:
            _reject(report, row, f"NUMEN en double (déjà présent ligne {seen[fingerprint]})")
            continue
        uai = normalise_uai(row.values["uai"])
        if error := uai_error(uai):
            _reject(report, row, error)
            continue
        if uai not in establishments:
            _reject(report, row, f"UAI {uai} inconnu dans l'{academy.name.lower()}")
            continue
        degree = DEGREES.get(fold(row.values["degre"]).strip())
        if degree is None:
            _reject(report, row, f"degré inconnu « {row.values['degre']} » (premier, second ou administration)")
            continue
        recovery = row.values.get("courriel_secours", "").lower()
        if recovery:
            try:
                validate_email(recovery)
            except ValidationError:
                _reject(report, row, f"adresse de secours invalide « {recovery} »")
                continue
            if recovery.endswith(domain_suffix) or recovery.endswith("." + academy.domain):
                _reject(report, row, "l'adresse de secours doit être extérieure à l'académie")
                continue
        quota_text = row.values.get("quota_mo", "")
        if quota_text and not (re.fullmatch(r"[0-9]{1,7}", quota_text) and int(quota_text) > 0):
            _reject(report, row, f"quota invalide « {quota_text} » (nombre de Mo attendu)")
            continue
        status = STATUSES.get(fold(row.values.get("statut", "")).strip())
        if status is None:
            _reject(report, row, f"statut inconnu « {row.values['statut']} » (actif ou inactif)")
            continue
        wanted_identifier = fold(row.values.get("identifiant", "")).strip()
        if wanted_identifier and not is_valid_identifier(wanted_identifier):
            _reject(report, row, f"identifiant invalide « {row.values['identifiant']} »")
            continue

        values = {
            "first_name": first_name,
            "last_name": last_name,
            "degree": degree,
            "function": function,
            "establishment_id": establishments[uai],
            "recovery_email": recovery,
            "quota_mb": int(quota_text) if quota_text else None,
            "is_active": status,
        }
        staff = existing.get(fingerprint)
        if staff is not None:
            if wanted_identifier and wanted_identifier != staff.identifier:
                _reject(report, row, f"identifiant « {wanted_identifier} » différent de celui du compte ({staff.identifier})")
                continue
            if values["quota_mb"] is None:
                values["quota_mb"] = staff.quota_mb
            changed = [name for name, value in values.items() if getattr(staff, name) != value]
            if changed:
                if staff.is_active and not status:
                    report.disabled += 1
                else:
                    report.updated += 1
                for name in changed:
                    setattr(staff, name, values[name])
                to_update.append(staff)
            else:
                report.unchanged += 1
        else:
            if wanted_identifier:
                if wanted_identifier in taken:
                    _reject(report, row, f"identifiant « {wanted_identifier} » déjà attribué")
                    continue
                identifier = wanted_identifier
            else:
                base = base_identifier(first_name, last_name)
                if not is_valid_identifier(base):
                    _reject(report, row, "impossible de former un identifiant à partir du nom et du prénom")
                    continue
                identifier, n = base, 1
                while identifier in taken or identifier in explicit:
                    n += 1
                    identifier = f"{base}{n}"
            taken.add(identifier)
            if values["quota_mb"] is None:
                values["quota_mb"] = academy.default_quota_mb
            to_create.append(
                Staff(
                    academy=academy, identifier=identifier, email=identifier + domain_suffix,
                    numen_hash=fingerprint, password=_unusable_password(), **values,
                )
            )
            report.created += 1
        seen[fingerprint] = row.line

    with transaction.atomic():
        Staff.objects.bulk_create(to_create, batch_size=1000)
        Staff.objects.bulk_update(to_update, update_fields, batch_size=1000)
        if disable_missing:
            ids = [s.id for s in existing.values() if s.is_active and s.numen_hash not in seen]
            # Chunked: SQLite caps the number of bound parameters.
            for start in range(0, len(ids), 1000):
                report.disabled += Staff.objects.filter(id__in=ids[start:start + 1000]).update(is_active=False)
    return report


def do_import_establishments(academy: Academy, data: bytes, *, progress: Progress = iter) -> ImportReport:
    """Create or update établissements from the CSV ``data`` (by UAI).

    The ``assistance`` column (oui/non) gives the établissement a support team
    of its own; without one, its second-degré staff are supported by the
    Rectorat.
    """
    rows = read_rows(data, required=ESTABLISHMENT_COLUMNS, optional=ESTABLISHMENT_OPTIONAL, aliases={})
    report = ImportReport()
    departments = {d.code: d for d in Department.objects.filter(academy=academy)}
    existing = {e.uai: e for e in Establishment.objects.filter(uai__in=[normalise_uai(r.values.get("uai", "")) for r in rows])}
    seen: dict[str, int] = {}
    with transaction.atomic():
        for row in progress(rows):
            if "__error__" in row.values:
                _reject(report, row, row.values["__error__"])
                continue
            uai = normalise_uai(row.values["uai"])
            if error := uai_error(uai):
                _reject(report, row, error)
                continue
            if uai in seen:
                _reject(report, row, f"UAI en double (déjà présent ligne {seen[uai]})")
                continue
            name = _text(row, "nom", "nom", 200, report)
            if name is None:
                continue
            kind = ESTABLISHMENT_KINDS.get(fold(row.values["type"]).strip())
            if kind is None:
                _reject(report, row, f"type inconnu « {row.values['type']} » (ecole, college, lycee, lycee_pro, service)")
                continue
            code = row.values["departement"].strip().zfill(2)
            department = departments.get(code)
            if department is None:
                _reject(report, row, f"département « {code} » absent de l'{academy.name.lower()}")
                continue
            own_team = fold(row.values.get("assistance", "")).strip()
            if own_team not in ("", "oui", "non"):
                _reject(report, row, f"colonne assistance : « oui » ou « non » attendu, reçu « {own_team} »")
                continue
            establishment = existing.get(uai)
            if establishment is not None and establishment.department.academy_id != academy.id:
                _reject(report, row, f"UAI {uai} déjà rattaché à une autre académie")
                continue
            seen[uai] = row.line
            postal_code = row.values.get("code_postal", "").strip()
            if postal_code and not re.fullmatch(r"\d{5}", postal_code):
                _reject(report, row, f"code postal « {postal_code} » invalide (5 chiffres attendus)")
                continue
            address = _text(row, "adresse", "adresse", 200, report, required=False)
            if address is None:
                continue
            values = {"name": name, "kind": kind, "department": department, "city": row.values.get("commune", ""),
                      "address": address, "postal_code": postal_code}
            if establishment is None:
                establishment = Establishment.objects.create(uai=uai, **values)
                report.created += 1
            elif any(getattr(establishment, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(establishment, k, v)
                establishment.save(update_fields=list(values))
                report.updated += 1
            else:
                report.unchanged += 1
            if own_team == "oui" and establishment.support_team_id is None:
                establishment.support_team = SupportTeam.objects.create(
                    academy=academy, kind=SupportTeam.Kind.ESTABLISHMENT, name=f"Assistance – {name}",
                    department=department, email=f"assistance.{uai.lower()}@{academy.domain}",
                )
                establishment.save(update_fields=["support_team"])
    return report


CATALOGUE = Path(__file__).resolve().parent / "data" / "academies.json"


DEFAULT_CHARTER = """Charte d'utilisation des services numériques — {name}

1. Votre compte est personnel : ne communiquez jamais votre mot de passe, vos codes à usage unique ni vos codes de secours, y compris à l'assistance.
2. La messagerie académique est réservée aux échanges professionnels. Respectez la confidentialité des informations relatives aux élèves et aux personnels.
3. Signalez sans délai à l'assistance tout message suspect, toute perte de téléphone ou toute utilisation anormale de votre compte.
4. Les connexions et les événements de sécurité sont journalisés pour protéger votre compte ; vous pouvez consulter votre activité récente à tout moment.
5. L'administrateur peut modifier ce texte dans l'interface d'administration."""


class AcademyConfigError(Exception):
    pass


def load_academy_description(source: str) -> dict:
    """An académie's description: a slug of the bundled catalogue
    (``aix-marseille``, ``nice``) or the path of a JSON file of the same shape."""
    path = Path(source)
    if path.suffix == ".json" or path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AcademyConfigError(f"{source} : {exc}") from None
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    if source not in catalogue:
        raise AcademyConfigError(
            f"académie inconnue « {source} » ; connues : {', '.join(sorted(catalogue))}, ou un fichier .json"
        )
    return {"slug": source, **catalogue[source]}


def do_setup_academy(description: dict, *, domain: str | None = None) -> Academy:
    """Create or update an académie, its départements, their DSDEN support
    teams and its Rectorat team. Idempotent."""
    for key in ("slug", "name", "domain", "logo_text", "departments"):
        if key not in description:
            raise AcademyConfigError(f"champ « {key} » manquant dans la description de l'académie")
    with transaction.atomic():
        academy, _ = Academy.objects.update_or_create(
            slug=description["slug"],
            defaults={
                "name": description["name"],
                "domain": domain or description["domain"],
                "logo_text": description["logo_text"],
                "region": description.get("region", ""),
            },
        )
        if not academy.accessibility_contact:
            academy.accessibility_contact = f"accessibilite@{academy.domain}"
            academy.save(update_fields=["accessibility_contact"])
        if not academy.charter_text:
            academy.charter_text = DEFAULT_CHARTER.format(name=academy.name)
            academy.save(update_fields=["charter_text"])
        SupportTeam.objects.get_or_create(
            academy=academy, kind=SupportTeam.Kind.RECTORAT,
            defaults={"name": f"Rectorat – assistance de l'{description['name'][:1].lower()}{description['name'][1:]}",
                      "email": f"assistance@{academy.domain}", "hours": "du lundi au vendredi de 8 h à 18 h"},
        )
        for item in description["departments"]:
            department, _ = Department.objects.update_or_create(
                code=item["code"], defaults={"academy": academy, "name": item["name"]}
            )
            SupportTeam.objects.get_or_create(
                department=department, kind=SupportTeam.Kind.DSDEN,
                defaults={"academy": academy, "name": f"DSDEN {item['code']} – {item['name']}",
                          "email": f"assistance.dsden{item['code'].lower()}@{academy.domain}",
                          "hours": "du lundi au vendredi de 8 h à 17 h"},
            )
    return academy
