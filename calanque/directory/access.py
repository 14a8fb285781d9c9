"""One access helper per resource: the only way views reach a person's
contacts and groups (404 for anything that is not theirs, so that nobody can
even learn that another person's contact exists)."""

from django.http import Http404

from calanque.academy.models import Staff
from calanque.directory.models import Contact, ContactGroup


def get_contact_for_user(user, contact_id) -> Contact:
    contact = Contact.objects.filter(pk=contact_id, owner=user).select_related(
        "staff", "staff__establishment").first() if str(contact_id).isdigit() else None
    if contact is None:
        raise Http404
    return contact


def get_group_for_user(user, group_id) -> ContactGroup:
    group = ContactGroup.objects.filter(pk=group_id, owner=user).first() if str(group_id).isdigit() else None
    if group is None:
        raise Http404
    return group


def get_staff_for_user(user, staff_id) -> Staff:
    """A colleague's card: active staff of the user's own académie only."""
    staff = Staff.objects.filter(pk=staff_id, academy_id=user.academy_id, is_active=True).select_related(
        "establishment", "establishment__department").first() if str(staff_id).isdigit() else None
    if staff is None:
        raise Http404
    return staff


def get_staff_list_for_user(user, values: list[str], limit: int = 100) -> list[Staff]:
    """The active colleagues of the user's académie named by ``values`` (ids);
    others are ignored."""
    ids = [int(v) for v in values if v.isdigit()][:limit]
    return list(Staff.objects.filter(pk__in=ids, academy_id=user.academy_id, is_active=True).order_by(
        "last_name", "first_name", "id"))
