"""Read paths of the assistance."""

from django.db.models import Q
from django.utils import timezone

from calanque.assistance.models import Incident


def incidents_for(staff) -> list[Incident]:
    """Current incidents that concern ``staff``."""
    establishment = staff.establishment
    concerns = Q(department__isnull=True, establishment__isnull=True)
    if establishment is not None:
        concerns |= Q(department=establishment.department) | Q(establishment=establishment)
    now = timezone.now()
    return list(Incident.objects.filter(concerns, academy=staff.academy, starts_at__lte=now, ends_at__gt=now))
