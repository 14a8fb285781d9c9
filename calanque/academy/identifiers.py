"""The identifiers of the French education system: UAI, NUMEN, identifiant
académique. Pure functions, shared by the models, the import and sign-in."""

import hashlib
import hmac
import re
import unicodedata

# 7 digits and a check letter; the letters I, O and Q are never used.
UAI_PATTERN = r"^[0-9]{7}[A-HJ-NPR-Z]$"
UAI_KEY_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
NUMEN_PATTERN = re.compile(r"^[0-9A-Z]{13}$")
IDENTIFIER_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$"


def uai_key(digits: str) -> str:
    """The check letter of a UAI: the 7 digits modulo 23, in A–Z without I, O, Q."""
    return UAI_KEY_LETTERS[int(digits) % 23]


def normalise_uai(value: str) -> str:
    return value.strip().upper()


def uai_error(uai: str) -> str | None:
    """Why ``uai`` is not a valid UAI, or None."""
    if not re.fullmatch(UAI_PATTERN, uai):
        return f"UAI invalide « {uai} » (attendu : 7 chiffres et une lettre, par exemple 0131234X)"
    if uai_key(uai[:7]) != uai[7]:
        return f"UAI invalide « {uai} » : la lettre clé devrait être {uai_key(uai[:7])}"
    return None


def normalise_numen(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def numen_fingerprint(numen: str, key: str) -> str:
    """Keyed hash of a NUMEN (HMAC-SHA256, hex).

    A NUMEN is only 13 characters with a known structure: a plain hash could be
    reversed by enumeration, so the hash is keyed with a secret that never
    leaves the server (CALANQUE_NUMEN_KEY).
    """
    return hmac.new(key.encode(), normalise_numen(numen).encode(), hashlib.sha256).hexdigest()


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case without accents or ligatures: « Élodie Œdipe » → « elodie oedipe »."""
    # A regular expression over the decomposed text: the search index folds
    # whole message bodies, so this must not loop in Python per character.
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_LIGATURES))).lower()


def identifier_part(name: str) -> str:
    """One side of ``prenom.nom``: folded, words joined by hyphens, apostrophes dropped."""
    folded = fold(name.strip())
    folded = re.sub(r"['’`]", "", folded)
    folded = re.sub(r"[^a-z0-9]+", "-", folded)
    return folded.strip("-")


def base_identifier(first_name: str, last_name: str) -> str:
    return f"{identifier_part(first_name)}.{identifier_part(last_name)}"


def is_valid_identifier(value: str) -> bool:
    return bool(re.fullmatch(IDENTIFIER_PATTERN, value)) and len(value) <= 64
