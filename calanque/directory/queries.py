"""Read paths of the annuaire and of personal contacts."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calanque.academy.identifiers import fold
from calanque.academy.models import Establishment, Staff
from calanque.directory.models import Contact, ContactGroup

# The établissements and functions of an académie are few (hundreds): they
# are matched in Python on folded text, so that « ecole », « briancon » or
# « bouches du rhone » find what they mean on SQLite as on PostgreSQL (SQLite's
# LIKE folds the case of ASCII letters only, and neither engine folds accents).
_VOCABULARY_SECONDS = 60


def _places(academy) -> list[tuple[int, str, str, str]]:
    """(id, folded « name commune département », département code, folded UAI)."""
    key = f"directory:places:{academy.pk}"
    places = cache.get(key)
    if places is None:
        rows = Establishment.objects.filter(department__academy=academy).values_list(
            "pk", "name", "city", "department__code", "department__name", "uai")
        places = [(pk, fold(f"{name} {city} {department}"), code, uai.lower())
                  for pk, name, city, code, department, uai in rows]
        cache.set(key, places, _VOCABULARY_SECONDS)
    return places


def _functions(academy) -> list[tuple[str, str]]:
    key = f"directory:functions:{academy.pk}"
    functions = cache.get(key)
    if functions is None:
        names = Staff.objects.filter(academy=academy).exclude(function="").values_list("function", flat=True)
        functions = [(name, fold(name)) for name in set(names)]
        cache.set(key, functions, _VOCABULARY_SECONDS)
    return functions


def search_staff(academy, text: str) -> QuerySet[Staff]:
    """Active staff of ``academy`` of whom every word of ``text`` matches the
    name, identifier, function, établissement (name or UAI), commune or
    département (code or name).

    Accents and case are ignored everywhere (names through the identifier,
    which is folded ``prenom.nom``); a département code or a UAI must be whole.
    """
    people = Staff.objects.filter(academy=academy, is_active=True).select_related(
        "establishment", "establishment__department"
    )
    words = text.split()[:6]
    places = _places(academy) if words else []
    functions = _functions(academy) if words else []
    for word in words:
        folded = fold(word)
        place_ids = [pk for pk, place, code, uai in places if folded in place or folded in (code, uai)]
        function_names = [name for name, name_folded in functions if folded in name_folded]
        people = people.filter(
            Q(identifier__contains=folded)
            | Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(function__in=function_names)
            | Q(establishment_id__in=place_ids)
        )
    return people.order_by("last_name", "first_name", "id")


def staff_label(person: Staff) -> str:
    """« Prénom Nom — fonction, établissement », as the compose suggestions show a colleague."""
    details = ", ".join(part for part in (person.function, person.establishment.name if person.establishment else "")
                        if part)
    return f"{person.get_full_name()} — {details}" if details else person.get_full_name()


def list_contacts(owner, text: str = "") -> QuerySet[Contact]:
    """``owner``'s contacts (with their directory entry and groups), those
    whose name, address or notes contain every word of ``text``, accents and
    case ignored (a person's contacts are few: matched in Python)."""
    contacts = Contact.objects.filter(owner=owner).select_related("staff", "staff__establishment").prefetch_related(
        Prefetch("groups", queryset=ContactGroup.objects.order_by("name")))
    words = [fold(word) for word in text.split()[:6]]
    if words:
        rows = Contact.objects.filter(owner=owner).values_list(
            "pk", "name", "email", "notes", "staff__first_name", "staff__last_name")
        matching = [pk for pk, *fields in rows
                    if all(word in fold(" ".join(f for f in fields if f)) for word in words)]
        contacts = contacts.filter(pk__in=matching)
    return contacts


def contact_with_address(owner, email: str) -> Contact | None:
    return Contact.objects.filter(owner=owner, email=email).first()


def list_groups(owner) -> QuerySet[ContactGroup]:
    return ContactGroup.objects.filter(owner=owner).annotate(size=Count("members"))


def group_members(group: ContactGroup) -> QuerySet[Contact]:
    return group.members.select_related("staff", "staff__establishment")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "groupe", "contact" or "annuaire"
    email: str  # for a group, all its addresses separated by ", "
    label: str


def suggestions(user, text: str, limit: int = 10) -> list[Suggestion]:
    """What the compose form proposes while an address is typed: the user's
    groups first (a group stands for all its addresses), then their contacts,
    then the annuaire (colleagues already among the contacts are not repeated).
    Fewer than two characters suggest nothing."""
    text = text.strip()
    if len(text) < 2:
        return []
    words = text.split()[:6]
    found: list[Suggestion] = []
    folded = [fold(word) for word in words]
    group_ids = [pk for pk, key in ContactGroup.objects.filter(owner=user).values_list("pk", "name_key")
                 if all(word in fold(key) for word in folded)]
    groups = ContactGroup.objects.filter(pk__in=group_ids)
    for group in groups.prefetch_related("members")[:3]:
        addresses = sorted(member.email for member in group.members.all())
        if addresses:
            label = ngettext("Groupe « %(name)s » — %(count)d adresse", "Groupe « %(name)s » — %(count)d adresses",
                             len(addresses)) % {"name": group.name, "count": len(addresses)}
            found.append(Suggestion("groupe", ", ".join(addresses), label))
    seen = set()
    # A colleague who left the académie cannot receive mail any more.
    for contact in list_contacts(user, text).exclude(staff__is_active=False)[:5]:
        seen.add(contact.email)
        if contact.staff_id:
            label = staff_label(contact.staff)
        else:
            label = contact.name or contact.email
        found.append(Suggestion("contact", contact.email, _("%(label)s (mes contacts)") % {"label": label}))
    for person in search_staff(user.academy, text).exclude(email__in=seen)[:max(limit - len(found), 0)]:
        found.append(Suggestion("annuaire", person.email, staff_label(person)))
    return found[:limit]
