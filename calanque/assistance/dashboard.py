"""Figures of the agents' dashboard, per team, and the geometry of its
server-rendered bar charts (SVG; each chart has its table of figures)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count
from django.utils.translation import gettext as _

from calanque.assistance import sla
from calanque.assistance.hours import PARIS, now
from calanque.assistance.models import Category, Status, Ticket

WEEKS = 8  # created vs resolved, and the period of the medians and categories


@dataclass
class TeamFigures:
    team: object
    by_status: dict[str, int]
    open_total: int
    new_this_week: int
    late_open: int
    late_period: int
    median_first_response: float | None  # business hours
    median_resolution: float | None


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: int
    series: int

    @property
    def text_x(self) -> int:
        return BAR_X + self.width + 6

    @property
    def text_y(self) -> int:
        return self.y + BAR_H - 4


@dataclass
class Chart:
    title: str
    series: list[str]
    rows: list[tuple[str, list[int]]]
    bars: list[Bar] = field(default_factory=list)
    height: int = 0
    width: int = 0
    labels: list[tuple[str, int]] = field(default_factory=list)


def week_start(at: datetime) -> datetime:
    local = at.astimezone(PARIS)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time(), PARIS)


def _hours(values: list[float]) -> float | None:
    return round(median(values) / 3600, 1) if values else None


def team_figures(team, at: datetime) -> TeamFigures:
    tickets = Ticket.objects.filter(team=team)
    since = week_start(at) - timedelta(weeks=WEEKS - 1)
    counts = dict(tickets.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    by_status = {value: counts.get(value, 0) for value in Status.values}
    open_tickets = tickets.exclude(status__in=sla.DONE)
    calendar = sla.calendar_for(team.academy)
    recent = tickets.filter(created_at__gte=since)
    first = [calendar.between(c, f) for c, f in
             recent.filter(first_response_at__isnull=False).values_list("created_at", "first_response_at")]
    resolved = [calendar.between(c, r) for c, r in
                recent.filter(status__in=sla.DONE, resolved_at__isnull=False).values_list("created_at", "resolved_at")]
    return TeamFigures(
        team=team, by_status=by_status, open_total=open_tickets.count(),
        new_this_week=tickets.filter(created_at__gte=week_start(at)).count(),
        late_open=sla.late(open_tickets, at).count(), late_period=sla.late(recent, at).count(),
        median_first_response=_hours(first), median_resolution=_hours(resolved))


def weekly_chart(teams, at: datetime) -> Chart:
    """Requests created and resolved per week, the last ``WEEKS`` weeks."""
    first_week = week_start(at) - timedelta(weeks=WEEKS - 1)
    tickets = Ticket.objects.filter(team__in=teams)
    created = list(tickets.filter(created_at__gte=first_week).values_list("created_at", flat=True))
    resolved = list(tickets.filter(resolved_at__gte=first_week).values_list("resolved_at", flat=True))
    rows = []
    for n in range(WEEKS):
        start = first_week + timedelta(weeks=n)
        end = start + timedelta(weeks=1)
        label = _("semaine du %(date)s") % {"date": f"{start:%d/%m}"}
        rows.append((label, [sum(start <= c < end for c in created), sum(start <= r < end for r in resolved)]))
    return _layout(Chart(_("Demandes créées et résolues par semaine"), [_("créées"), _("résolues")], rows))


def category_chart(teams, at: datetime) -> Chart:
    since = week_start(at) - timedelta(weeks=WEEKS - 1)
    counts = dict(Ticket.objects.filter(team__in=teams, created_at__gte=since).values_list("category")
                  .annotate(n=Count("id")).values_list("category", "n"))
    rows = [(str(label), [counts.get(value, 0)]) for value, label in Category.choices]
    title = _("Demandes des %(n)d dernières semaines par catégorie") % {"n": WEEKS}
    return _layout(Chart(title, [_("demandes")], rows))


# Geometry, in the SVG's own units (viewBox 0 0 WIDTH height): each row's
# label on its own line, then its bars from x = 0, up to BAR_MAX units for the
# largest value, the value written after the bar. Narrow enough to stay
# legible on a 360-px phone.
WIDTH, BAR_X, BAR_MAX, BAR_H, LABEL_H, GAP = 360, 0, 300, 16, 16, 10


def _layout(chart: Chart) -> Chart:
    largest = max([v for _label, values in chart.rows for v in values] + [1])
    y = GAP
    for label, values in chart.rows:
        chart.labels.append((label, y + LABEL_H - 4))
        y += LABEL_H
        for series, value in enumerate(values):
            chart.bars.append(Bar(label, value, y, max(round(BAR_MAX * value / largest), 1 if value else 0),
                                  series))
            y += BAR_H
        y += GAP
    chart.height, chart.width = int(y), WIDTH
    return chart


def open_chart(figures: list[TeamFigures]) -> Chart:
    rows = [(f.team.name, [f.open_total, f.late_open]) for f in figures]
    return _layout(Chart(_("Demandes ouvertes par équipe"), [_("ouvertes"), _("dont en retard")], rows))


def dashboard(teams, chosen=None, at: datetime | None = None) -> dict:
    """Figures of every team in ``teams``; the weekly and category charts of
    ``chosen`` alone, or of all of them."""
    at = at or now()
    teams = list(teams)
    figures = [team_figures(team, at) for team in teams]
    scope = [chosen] if chosen is not None else teams
    return {
        "figures": figures,
        "open": open_chart(figures),
        "weekly": weekly_chart(scope, at),
        "categories": category_chart(scope, at),
        "weeks": WEEKS,
    }
