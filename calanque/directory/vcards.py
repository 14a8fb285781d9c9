"""vCard files (RFC 6350 vCard 4.0, RFC 2426 vCard 3.0; 2.1 read too):
reading what a person uploads, writing what they download.

Reading never raises: a file is hostile input. Every problem is reported
in French with the card number and the line of the file, so that the person
can fix it; values are parsed by ``vobject`` after our own line-level check
(vobject's line numbers are not reliable enough to show to people).
"""

import re
from dataclasses import dataclass, field

import vobject
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from calanque.directory.models import MAX_GROUPS, NOTES_MAX

MAX_VCF_BYTES = 1024 * 1024
MAX_CARDS = 2000
MAX_ERRORS = 20
# A real card has a few dozen properties; these bound the work one upload can cause.
MAX_PROPERTIES = 500

# name, parameters (quoted values may hold « : » and « ; »), then « : »
_CONTENT_LINE = re.compile(r'^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+(?:;(?:[^";:]|"[^"]*")*)*:')
_EMAIL_LINE = re.compile(r"^(?:[A-Za-z0-9-]+\.)?EMAIL[;:]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class Card:
    number: int  # position in the file, from 1
    line: int  # line of its BEGIN:VCARD
    name: str
    email: str
    notes: str = ""
    categories: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    cards: list[Card] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # readable cards without any address


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # vCard 4.0 is UTF-8 only; older address books wrote Windows-1252.
        return data.decode("cp1252", errors="replace")


def _clean(value: str, limit: int) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()[:limit]


def _logical_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Unfold (RFC 6350 §3.2; quoted-printable soft breaks of vCard 2.1).
    Pieces are gathered in lists and joined once: a long run of folded lines
    costs linear time."""
    logical: list[tuple[int, list[str], bool]] = []  # first line, pieces, quoted-printable
    for number, text in lines:
        if logical and text[:1] in (" ", "\t"):
            logical[-1][1].append(text[1:])
        elif logical and logical[-1][2] and logical[-1][1][-1].endswith("="):
            pieces = logical[-1][1]
            pieces[-1] = pieces[-1][:-1]
            pieces.append(text)
        else:
            name = text.split(":", 1)[0].upper()
            logical.append((number, [text], "QUOTED-PRINTABLE" in name))
    return [(number, "".join(pieces)) for number, pieces, _qp in logical]


def read_vcards(data: bytes) -> ReadResult:
    """The cards of a .vcf file, or the reasons it cannot be imported.

    Each card must have BEGIN/END, a VERSION of 2.1, 3.0 or 4.0 and
    well-formed content lines; its address (EMAIL, the preferred one when
    several) must be valid. A card without any address is skipped and said
    so. ``errors`` non-empty means the file must not be imported.
    """
    result = ReadResult()
    if len(data) > MAX_VCF_BYTES:
        result.errors.append(_("Le fichier dépasse la taille maximale de 1 Mo."))
        return result
    text = _decode(data)
    raw_cards: list[tuple[int, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    start = 0

    def error(message: str) -> bool:
        result.errors.append(message)
        return len(result.errors) >= MAX_ERRORS

    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        keyword = line.strip().upper()
        if current is None:
            if keyword == "BEGIN:VCARD":
                current, start = [(number, line)], number
            elif keyword:
                if error(_("Ligne %(line)d : « %(text)s » se trouve en dehors d'une carte "
                           "(BEGIN:VCARD attendu).") % {"line": number, "text": line.strip()[:40]}):
                    return result
            continue
        if keyword == "BEGIN:VCARD":
            if error(_("Carte n° %(card)d (ligne %(start)d) : END:VCARD manquant avant la ligne %(line)d.")
                     % {"card": len(raw_cards) + 1, "start": start, "line": number}):
                return result
            current, start = [(number, line)], number
            continue
        current.append((number, line))
        if keyword == "END:VCARD":
            raw_cards.append((start, current))
            current = None
            if len(raw_cards) > MAX_CARDS:
                result.errors.append(_("Le fichier contient plus de %(max)d cartes.") % {"max": MAX_CARDS})
                return result
    if current is not None:
        error(_("Carte n° %(card)d (ligne %(start)d) : le fichier se termine sans END:VCARD.")
              % {"card": len(raw_cards) + 1, "start": start})
    if not raw_cards and not result.errors:
        result.errors.append(_("Aucune carte vCard dans ce fichier (aucune ligne BEGIN:VCARD)."))

    for index, (start, lines) in enumerate(raw_cards, start=1):
        card_or_error = _read_card(index, start, lines)
        if isinstance(card_or_error, Card):
            result.cards.append(card_or_error)
        elif card_or_error.startswith("skip:"):
            result.skipped.append(card_or_error[5:])
        elif error(card_or_error):
            return result
    return result


def _read_card(index: int, start: int, lines: list[tuple[int, str]]) -> "Card | str":
    where = {"card": index, "start": start}
    logical = _logical_lines([(n, t) for n, t in lines if t.strip()])
    if len(logical) > MAX_PROPERTIES:
        return _("Carte n° %(card)d (ligne %(start)d) : plus de %(max)d propriétés.") % {**where, "max": MAX_PROPERTIES}
    for number, text in logical:
        if not _CONTENT_LINE.match(text):
            return _("Carte n° %(card)d, ligne %(line)d : ligne mal formée « %(text)s » (NOM:valeur attendu).") % {
                **where, "line": number, "text": text.strip()[:40]}
    versions = [t.split(":", 1)[1].strip() for _n, t in logical if t.upper().startswith("VERSION:")]
    if not versions:
        return _("Carte n° %(card)d (ligne %(start)d) : la ligne VERSION manque.") % where
    if versions[0] not in ("2.1", "3.0", "4.0"):
        return _("Carte n° %(card)d (ligne %(start)d) : la version « %(version)s » n'est pas prise en charge "
                 "(2.1, 3.0 ou 4.0).") % {**where, "version": versions[0][:10]}
    try:
        # Already unfolded: vobject does not know vCard 2.1's quoted-printable soft breaks.
        card = vobject.readOne("\r\n".join(t for _n, t in logical) + "\r\n", ignoreUnreadable=False)
    except Exception:  # noqa: BLE001 — vobject raises many kinds on hostile input; none may become a 500
        return _("Carte n° %(card)d (ligne %(start)d) : contenu illisible (encodage ou valeur invalide).") % where

    email_lines = [n for n, t in logical if _EMAIL_LINE.match(t)]
    emails = card.contents.get("email", [])
    name = _clean(str(card.fn.value), 200) if "fn" in card.contents else ""
    if not name and "n" in card.contents:
        n = card.n.value
        name = _clean(" ".join(str(p) for p in (n.given, n.family) if p and isinstance(p, str)), 200)
    if not emails:
        return "skip:" + _("Carte n° %(card)d (ligne %(start)d%(name)s) : aucune adresse électronique, ignorée.") % {
            **where, "name": f", « {name} »" if name else ""}
    chosen = 0
    for position, prop in enumerate(emails):
        # TYPE=pref (3.0), PREF=1 (4.0), a bare PREF (2.1)
        types = [t.lower() for t in prop.params.get("TYPE", []) + list(getattr(prop, "singletonparams", []))]
        if "pref" in types or prop.params.get("PREF", ["100"])[0] == "1":
            chosen = position
            break
    raw = emails[chosen].value
    address = (raw if isinstance(raw, str) else "").strip().removeprefix("mailto:").lower()
    try:
        validate_email(address)
    except ValidationError:
        line = email_lines[chosen] if chosen < len(email_lines) else start
        return _("Carte n° %(card)d, ligne %(line)d : adresse électronique invalide « %(address)s ».") % {
            **where, "line": line, "address": address[:60]}
    notes = "\n".join(str(p.value) for p in card.contents.get("note", []) if isinstance(p.value, str))
    categories: dict[str, str] = {}  # casefolded → as written first
    for prop in card.contents.get("categories", []):
        values = prop.value if isinstance(prop.value, list) else [prop.value]
        for value in values:
            value = _clean(str(value), 100)
            if value:
                categories.setdefault(value.casefold(), value)
    if len(categories) > MAX_GROUPS:
        return _("Carte n° %(card)d (ligne %(start)d) : plus de %(max)d catégories.") % {**where, "max": MAX_GROUPS}
    return Card(index, start, " ".join(name.split()), address, _clean(notes, NOTES_MAX), list(categories.values()))


@dataclass
class Entry:
    """What one written card holds."""

    name: str
    email: str
    family: str = ""
    given: str = ""
    title: str = ""
    organisation: str = ""
    notes: str = ""
    categories: list[str] = field(default_factory=list)


def entry_for_staff(person, notes: str = "", categories: list[str] | None = None) -> Entry:
    return Entry(person.get_full_name(), person.email, family=person.last_name, given=person.first_name,
                 title=person.function, organisation=person.establishment.name if person.establishment else "",
                 notes=notes, categories=categories or [])


def entry_for_contact(contact, categories: list[str]) -> Entry:
    if contact.staff is not None:
        return entry_for_staff(contact.staff, contact.notes, categories)
    return Entry(contact.display_name, contact.email, family=contact.display_name, notes=contact.notes,
                 categories=categories)


def write_vcards(entries) -> str:
    """vCard 3.0 text (CRLF, lines folded at 75 octets) for ``entries``;
    groups are written as CATEGORIES, so that they survive a round trip."""
    return "".join(_card(entry) for entry in entries)


def _card(entry: Entry) -> str:
    card = vobject.vCard()
    card.add("fn").value = entry.name
    card.add("n").value = vobject.vcard.Name(family=entry.family, given=entry.given)
    email = card.add("email")
    email.value = entry.email
    email.type_param = "INTERNET"
    if entry.title:
        card.add("title").value = entry.title
    if entry.organisation:
        card.add("org").value = [entry.organisation]
    if entry.notes:
        card.add("note").value = entry.notes
    if entry.categories:
        card.add("categories").value = list(entry.categories)
    return card.serialize()
