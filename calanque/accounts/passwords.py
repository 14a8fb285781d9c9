"""Password policy, after NIST SP 800-63B: length rather than composition,
every printable character (spaces and any Unicode) accepted, the 100,000 most
common passwords refused offline, nothing that contains the identifier or the
names. An académie may add a composition rule (letters, digits and special
characters) and a maximum age; both are off by default.
"""

import gzip
import unicodedata
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calanque.academy.identifiers import fold

MAX_LENGTH = 1024
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords-100k.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.rstrip("\n") for line in handle if line.strip())


def password_problems(password: str, academy, staff=None) -> list[str]:
    """What is wrong with ``password`` under the académie's policy (French
    messages, empty when it is acceptable)."""
    problems = []
    minimum = academy.password_min_length if academy else 12
    if len(password) < minimum:
        problems.append(ngettext(
            "Le mot de passe doit comporter au moins %(n)d caractère.",
            "Le mot de passe doit comporter au moins %(n)d caractères.", minimum) % {"n": minimum})
    if len(password) > MAX_LENGTH:
        problems.append(_("Le mot de passe ne peut pas dépasser %(n)d caractères.") % {"n": MAX_LENGTH})
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
        problems.append(_("Le mot de passe contient un caractère de contrôle invisible."))
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        problems.append(_("Ce mot de passe fait partie des mots de passe les plus courants : choisissez-en un autre."))
    if staff is not None:
        folded = fold(password)
        for part in {staff.identifier, *staff.identifier.split("."), fold(staff.first_name), fold(staff.last_name)}:
            part = part.strip()
            if len(part) >= 3 and part in folded:
                problems.append(_("Le mot de passe ne doit contenir ni votre identifiant ni vos nom et prénom."))
                break
    if academy is not None and academy.password_require_composition:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
                and any(not c.isalnum() and not c.isspace() for c in password)):
            problems.append(_("Le mot de passe doit contenir des lettres, des chiffres et des caractères spéciaux."))
    return problems


class AcademyPasswordValidator:
    """The policy as a Django password validator, so that every place that
    sets a password (including the admin) applies it."""

    def validate(self, password, user=None):
        academy = getattr(user, "academy", None) if getattr(user, "academy_id", None) else None
        problems = password_problems(password, academy, user if academy else None)
        if problems:
            raise ValidationError(problems)

    def get_help_text(self):
        return _("Au moins 12 caractères ; une phrase de passe est idéale. Les mots de passe courants sont refusés.")
