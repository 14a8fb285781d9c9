"""Read paths of the annuaire."""

from django.db.models import Q, QuerySet

from calanque.academy.identifiers import fold
from calanque.academy.models import Staff


def search_staff(academy, text: str) -> QuerySet[Staff]:
    """Active staff of ``academy`` whose name, identifier, function or
    établissement (name or UAI) matches every word of ``text``.

    Accents and case are ignored for the identifier (which is folded); names
    are matched case-insensitively as typed.
    """
    people = Staff.objects.filter(academy=academy, is_active=True).select_related(
        "establishment", "establishment__department"
    )
    for word in text.split()[:6]:
        folded = fold(word)
        people = people.filter(
            Q(identifier__contains=folded)
            | Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(function__icontains=word)
            | Q(establishment__name__icontains=word)
            | Q(establishment__uai__iexact=word)
        )
    return people.order_by("last_name", "first_name", "id")
