"""Every write to personal contacts and groups.

Each action takes the owner and refuses an object that is not theirs
(defence in depth behind ``directory.access``). Refusals are
``ValidationError`` with a French message that the forms show as is.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from calanque.academy.models import Staff
from calanque.directory import vcards
from calanque.directory.models import MAX_CONTACTS, MAX_GROUP_MEMBERS, MAX_GROUPS, Contact, ContactGroup


def _check_owner(owner, *objects) -> None:
    for obj in objects:
        if obj.owner_id != owner.pk:
            raise PermissionError("not the owner")


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Adresse électronique invalide : « %(address)s ».") % {"address": email[:60]}) from None
    return email


def _clean_group_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Donnez un nom au groupe."))
    if len(name) > 100:
        raise ValidationError(_("Le nom du groupe ne peut dépasser 100 caractères."))
    return name


def _room_for(owner, count: int = 1) -> None:
    if Contact.objects.filter(owner=owner).count() + count > MAX_CONTACTS:
        raise ValidationError(_("Vous ne pouvez pas avoir plus de %(max)d contacts.") % {"max": MAX_CONTACTS})


def _colleague(owner, email: str) -> Staff | None:
    return Staff.objects.filter(academy_id=owner.academy_id, email=email, is_active=True).first()


def do_add_staff_contact(owner, staff: Staff) -> tuple[Contact, bool]:
    """Add a colleague of the annuaire; adding them twice changes nothing.
    Returns the contact and whether it was created."""
    if staff.academy_id != owner.academy_id or not staff.is_active:
        raise PermissionError("not a colleague")
    existing = Contact.objects.filter(owner=owner, email=staff.email).first()
    if existing is not None:
        if existing.staff_id is None:
            existing.staff = staff
            existing.save(update_fields=["staff"])
        return existing, False
    _room_for(owner)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(owner=owner, staff=staff, name=staff.get_full_name(), email=staff.email)
    except IntegrityError:  # a double click: the first request added them
        return Contact.objects.get(owner=owner, email=staff.email), False
    return contact, True


def do_add_staff_contacts(owner, people: list[Staff], group: ContactGroup | None = None) -> int:
    """Add several colleagues at once (from search results), and to ``group``
    too when given; all or nothing. Returns how many were new contacts."""
    if group is not None:
        _check_owner(owner, group)
    with transaction.atomic():
        results = [do_add_staff_contact(owner, person) for person in people]
        if group is not None:
            do_add_group_members(owner, group, [contact for contact, _created in results])
    return sum(created for _contact, created in results)


def do_add_contact(owner, *, name: str, email: str, notes: str = "") -> Contact:
    """Add an address typed by hand. An address of the annuaire becomes a
    contact tied to that colleague (name and function read live)."""
    email = _clean_email(email)
    if Contact.objects.filter(owner=owner, email=email).exists():
        raise ValidationError(_("Cette adresse est déjà dans vos contacts."))
    _room_for(owner)
    colleague = _colleague(owner, email)
    name = " ".join(name.split())[:200] or (colleague.get_full_name() if colleague else "")
    try:
        with transaction.atomic():
            return Contact.objects.create(owner=owner, staff=colleague, name=name, email=email, notes=notes.strip())
    except IntegrityError:  # the same address added at the same moment in another tab
        raise ValidationError(_("Cette adresse est déjà dans vos contacts.")) from None


def do_update_contact(owner, contact: Contact, *, name: str, email: str, notes: str) -> Contact:
    """Change a contact. For a colleague of the annuaire only the notes
    change: the name and address are the directory's."""
    _check_owner(owner, contact)
    contact.notes = notes.strip()
    if contact.staff_id is None:
        email = _clean_email(email)
        if Contact.objects.filter(owner=owner, email=email).exclude(pk=contact.pk).exists():
            raise ValidationError(_("Cette adresse est déjà dans vos contacts."))
        contact.email = email
        contact.name = " ".join(name.split())[:200]
    contact.save(update_fields=["name", "email", "notes"])
    return contact


def do_delete_contact(owner, contact: Contact) -> None:
    _check_owner(owner, contact)
    contact.delete()


def do_create_group(owner, name: str) -> ContactGroup:
    name = _clean_group_name(name)
    if ContactGroup.objects.filter(owner=owner, name_key=ContactGroup.key_for(name)).exists():
        raise ValidationError(_("Vous avez déjà un groupe « %(name)s ».") % {"name": name})
    if ContactGroup.objects.filter(owner=owner).count() >= MAX_GROUPS:
        raise ValidationError(_("Vous ne pouvez pas avoir plus de %(max)d groupes.") % {"max": MAX_GROUPS})
    try:
        with transaction.atomic():
            return ContactGroup.objects.create(owner=owner, name=name, name_key=ContactGroup.key_for(name))
    except IntegrityError:
        raise ValidationError(_("Vous avez déjà un groupe « %(name)s ».") % {"name": name}) from None


def do_rename_group(owner, group: ContactGroup, name: str) -> ContactGroup:
    _check_owner(owner, group)
    name = _clean_group_name(name)
    if ContactGroup.objects.filter(owner=owner, name_key=ContactGroup.key_for(name)).exclude(pk=group.pk).exists():
        raise ValidationError(_("Vous avez déjà un groupe « %(name)s ».") % {"name": name})
    group.name, group.name_key = name, ContactGroup.key_for(name)
    group.save(update_fields=["name", "name_key"])
    return group


def do_delete_group(owner, group: ContactGroup) -> None:
    """Delete the group; its members stay in the contacts."""
    _check_owner(owner, group)
    group.delete()


def do_add_group_members(owner, group: ContactGroup, contacts: list[Contact]) -> None:
    _check_owner(owner, group, *contacts)
    with transaction.atomic():
        group = ContactGroup.objects.select_for_update().get(pk=group.pk)
        present = set(group.members.values_list("pk", flat=True))
        new = [c for c in contacts if c.pk not in present]
        if len(present) + len(new) > MAX_GROUP_MEMBERS:
            raise ValidationError(_("Un groupe compte %(max)d membres au plus.") % {"max": MAX_GROUP_MEMBERS})
        group.members.add(*new)


def do_remove_group_member(owner, group: ContactGroup, contact: Contact) -> None:
    _check_owner(owner, group, contact)
    group.members.remove(contact)


@dataclass
class ImportReport:
    created: int = 0
    already: int = 0  # addresses already among the contacts (kept as they were)
    groups_created: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def do_import_vcards(owner, data: bytes) -> ImportReport:
    """Import a .vcf file: all of it or, when any card is malformed, nothing
    (so that the corrected file can be imported again without duplicates).

    A card whose address is already a contact leaves that contact as it is.
    CATEGORIES put the contact in the groups of those names, created when
    missing. Addresses of the annuaire become contacts tied to the colleague.
    """
    read = vcards.read_vcards(data)
    report = ImportReport(errors=read.errors, skipped=read.skipped)
    if read.errors:
        return report
    try:
        with transaction.atomic():
            _import_cards(owner, read.cards, report)
    except ValidationError as error:
        return ImportReport(errors=list(error.messages), skipped=read.skipped)
    return report


def _import_cards(owner, cards: list[vcards.Card], report: ImportReport) -> None:
    by_email: dict[str, Contact] = {c.email: c for c in Contact.objects.filter(owner=owner)}
    new_cards: dict[str, vcards.Card] = {}
    for card in cards:
        if card.email in by_email or card.email in new_cards:
            report.already += 1
        else:
            new_cards[card.email] = card
    _room_for(owner, len(new_cards))
    colleagues = {s.email: s for s in Staff.objects.filter(academy_id=owner.academy_id, email__in=list(new_cards),
                                                              is_active=True)}
    created = Contact.objects.bulk_create([
        Contact(owner=owner, staff=colleagues.get(email), email=email,
                name=card.name or (colleagues[email].get_full_name() if email in colleagues else ""), notes=card.notes)
        for email, card in new_cards.items()
    ])
    report.created = len(created)
    by_email = {c.email: c for c in Contact.objects.filter(owner=owner)}

    groups = {g.name_key: g for g in ContactGroup.objects.filter(owner=owner)}
    wanted: dict[str, set[int]] = {}
    for card in cards:
        for category in card.categories:
            name = _clean_group_name(category)
            key = ContactGroup.key_for(name)
            if key not in groups:
                if len(groups) >= MAX_GROUPS:
                    raise ValidationError(_("Vous ne pouvez pas avoir plus de %(max)d groupes.") % {"max": MAX_GROUPS})
                groups[key] = ContactGroup.objects.create(owner=owner, name=name, name_key=key)
                report.groups_created.append(groups[key].name)
            wanted.setdefault(key, set()).add(by_email[card.email].pk)
    for key, contact_ids in wanted.items():
        group = groups[key]
        present = set(group.members.values_list("pk", flat=True))
        if len(present | contact_ids) > MAX_GROUP_MEMBERS:
            raise ValidationError(_("Le groupe « %(name)s » dépasserait %(max)d membres.")
                                  % {"name": group.name, "max": MAX_GROUP_MEMBERS})
        group.members.add(*(contact_ids - present))
