"""Service levels: deadlines of a request in the business hours of its
académie, and which requests are late.

Deadlines are stored on the ticket when it is filed (``first_response_due``,
``resolution_due``). While a request waits for its requester, the resolution
clock stops: ``sla_paused_at`` marks the start of the wait, and the deadline
moves later by the business time of the wait when the request leaves it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from calanque.academy.models import Academy
from calanque.assistance.hours import Calendar, now
from calanque.assistance.models import DeskSettings, Status, Ticket, Urgency


@dataclass(frozen=True)
class Target:
    first_response_hours: int
    resolution_hours: int


DEFAULT_TARGETS = {
    Urgency.HIGH: Target(4, 16),
    Urgency.NORMAL: Target(8, 40),
    Urgency.LOW: Target(16, 80),
}
DONE = (Status.RESOLVED, Status.CLOSED)


def _settings(academy: Academy) -> DeskSettings | None:
    return DeskSettings.objects.filter(academy=academy).first()


def calendar_for(academy: Academy) -> Calendar:
    settings = _settings(academy)
    if settings is None:
        return Calendar()
    hours: dict[int, list] = {}
    for row in settings.opening_hours.all():
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    return Calendar(hours=hours or Calendar().hours, closed={d.day for d in settings.closed_days.all()},
                    public_holidays=settings.public_holidays)


def targets_for(academy: Academy) -> dict[str, Target]:
    targets = dict(DEFAULT_TARGETS)
    settings = _settings(academy)
    if settings is not None:
        for level in settings.service_levels.all():
            targets[level.urgency] = Target(level.first_response_hours, level.resolution_hours)
    return targets


def set_deadlines(ticket: Ticket) -> None:
    """Fill the deadlines of a new request (not saved)."""
    target = targets_for(ticket.academy)[ticket.urgency]
    calendar = calendar_for(ticket.academy)
    ticket.first_response_due = calendar.add(ticket.created_at, target.first_response_hours * 3600)
    ticket.resolution_due = calendar.add(ticket.created_at, target.resolution_hours * 3600)


def follow_status(ticket: Ticket, new_status: str, at: datetime) -> list[str]:
    """Pause the resolution clock when a request starts waiting for its
    requester, resume it (moving the deadline) when it stops. Returns the
    fields changed (not saved)."""
    waiting = new_status == Status.WAITING
    if waiting and ticket.sla_paused_at is None:
        ticket.sla_paused_at = at
        return ["sla_paused_at"]
    if not waiting and ticket.sla_paused_at is not None:
        if ticket.resolution_due is not None and ticket.sla_paused_at < ticket.resolution_due:
            calendar = calendar_for(ticket.academy)
            ticket.resolution_due = calendar.add(ticket.resolution_due, calendar.between(ticket.sla_paused_at, at))
        ticket.sla_paused_at = None
        return ["sla_paused_at", "resolution_due"]
    return []


def late(tickets: QuerySet, at: datetime | None = None) -> QuerySet:
    """The requests of ``tickets`` that missed (or are missing) a deadline —
    the same rule as ``Ticket.sla_breached``."""
    at = at or now()
    first = ((Q(first_response_at__isnull=True, first_response_due__lt=at) & ~Q(status__in=DONE))
             | Q(first_response_at__isnull=True, status__in=DONE, resolved_at__gt=F("first_response_due"))
             | Q(first_response_at__gt=F("first_response_due")))
    open_late = (~Q(status__in=DONE) & (Q(sla_paused_at__isnull=True, resolution_due__lt=at)
                                        | Q(sla_paused_at__gt=F("resolution_due"))))
    done_late = Q(status__in=DONE, resolved_at__gt=F("resolution_due"))
    return tickets.filter(first | open_late | done_late)


def retarget(ticket: Ticket, urgency: str) -> None:
    """New deadlines for a new urgency (not saved), counted from the filing
    as always; the business time already spent waiting for the requester
    still moves the resolution deadline."""
    calendar = calendar_for(ticket.academy)
    targets = targets_for(ticket.academy)
    old, new = targets[ticket.urgency], targets[urgency]
    waited = 0.0
    if ticket.resolution_due is not None:
        waited = max(0.0, calendar.between(ticket.created_at, ticket.resolution_due) - old.resolution_hours * 3600)
    ticket.urgency = urgency
    ticket.first_response_due = calendar.add(ticket.created_at, new.first_response_hours * 3600)
    ticket.resolution_due = calendar.add(ticket.created_at, new.resolution_hours * 3600 + waited)
