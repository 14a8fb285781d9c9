"""Read paths of the assistance."""

import re
from dataclasses import dataclass

from django.db.models import Case, F, Q, When
from django.utils import timezone

from calanque.assistance import sla
from calanque.assistance.access import agent_teams, is_editor, visible_teams
from calanque.assistance.models import CannedAnswer, Category, Incident, Status, Ticket, Urgency


def incidents_for(staff) -> list[Incident]:
    """Current incidents that concern ``staff``."""
    establishment = staff.establishment
    concerns = Q(department__isnull=True, establishment__isnull=True)
    if establishment is not None:
        concerns |= Q(department=establishment.department) | Q(establishment=establishment)
    now = timezone.now()
    return list(Incident.objects.filter(concerns, academy=staff.academy, starts_at__lte=now, ends_at__gt=now))


# --- Agents' desk ------------------------------------------------------------------

SORTS = {
    "recentes": ["-updated_at", "-id"],
    "anciennes": ["created_at", "id"],
    "echeance": [Case(When(first_response_at__isnull=True, then=F("first_response_due")),
                      default=F("resolution_due")).asc(nulls_last=True), "id"],
    "urgence": [Case(When(urgency=Urgency.HIGH, then=0), When(urgency=Urgency.NORMAL, then=1), default=2),
                "created_at", "id"],
}


@dataclass
class QueueFilter:
    status: str = "ouvertes"  # « ouvertes », « toutes » or a Status value
    category: str = ""
    urgency: str = ""
    mine: bool = False
    unassigned: bool = False
    late: bool = False
    text: str = ""
    sort: str = "recentes"


def queue(user, wanted: QueueFilter):
    """The requests of the agent's teams (all for administrators) matching
    ``wanted``, sorted."""
    tickets = Ticket.objects.filter(academy=user.academy).select_related("team", "requester", "assignee")
    if not user.is_superuser:
        tickets = tickets.filter(team__in=agent_teams(user))
    if wanted.status == "ouvertes":
        tickets = tickets.exclude(status__in=[Status.RESOLVED, Status.CLOSED])
    elif wanted.status in Status.values:
        tickets = tickets.filter(status=wanted.status)
    if wanted.category in Category.values:
        tickets = tickets.filter(category=wanted.category)
    if wanted.urgency in Urgency.values:
        tickets = tickets.filter(urgency=wanted.urgency)
    if wanted.mine:
        tickets = tickets.filter(assignee=user)
    if wanted.unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    if wanted.late:
        tickets = sla.late(tickets)
    if wanted.text:
        match = (Q(subject__icontains=wanted.text) | Q(requester__last_name__icontains=wanted.text)
                 | Q(requester__first_name__icontains=wanted.text) | Q(claimed_identifier__icontains=wanted.text)
                 | Q(requester__identifier__icontains=wanted.text))
        reference = re.fullmatch(r"(?:DEM-)?0*(\d{1,9})", wanted.text, re.IGNORECASE)
        if reference:
            match |= Q(pk=int(reference.group(1)))
        tickets = tickets.filter(match)
    return tickets.order_by(*SORTS.get(wanted.sort, SORTS["recentes"]))


def canned_answers_for(user, ticket: Ticket) -> list[CannedAnswer]:
    """Answers usable on ``ticket``: the académie's and its team's."""
    return list(CannedAnswer.objects.filter(Q(team__isnull=True) | Q(team=ticket.team), academy=ticket.academy))


def fill(text: str, ticket: Ticket, agent) -> str:
    """Replace the known placeholders ({prenom}, {nom}, {reference}, {titre},
    {equipe}, {agent}) of a canned answer; anything else between braces is
    left as written. The names of an account are used only when the request
    was filed signed in (never a claimed identity's)."""
    person = ticket.requester
    values = {
        "prenom": person.first_name if person else "",
        "nom": person.last_name if person else "",
        "reference": ticket.reference,
        "titre": ticket.subject,
        "equipe": ticket.team.name,
        "agent": agent.get_full_name(),
    }
    def value(match) -> str:
        name = match.group(2)
        if name not in values:
            return match.group(0)
        # An unknown first name (request without an account): « Bonjour, », not « Bonjour , ».
        return match.group(1) + values[name] if values[name] else ""

    return re.sub(r"( ?)\{(\w+)\}", value, text)


def manageable_canned_answers(user):
    """The answers ``user`` may edit: their teams', and the académie-wide
    ones for editors."""
    scope = Q(team__in=visible_teams(user))
    if is_editor(user):
        scope |= Q(team__isnull=True)
    return CannedAnswer.objects.filter(scope, academy=user.academy).select_related("team").order_by(
        F("team__name").asc(nulls_first=True), "title")
