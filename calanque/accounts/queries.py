"""Read paths of the sign-in domain."""

import csv
import io
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q

from calanque.academy.models import Staff
from calanque.accounts.models import AccountSecurity, AuditEvent, UserSession


def recent_activity(staff: Staff, limit: int = 20) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(staff=staff).order_by("-created_at")[:limit])


def open_sessions(staff: Staff) -> list[UserSession]:
    return list(UserSession.objects.filter(staff=staff).order_by("-last_seen_at"))


@dataclass
class ActivationRow:
    label: str
    total: int
    activated: int

    @property
    def percent(self) -> int:
        return round(100 * self.activated / self.total) if self.total else 0


@dataclass
class ActivationReport:
    departments: list[ActivationRow] = field(default_factory=list)
    establishments: list[ActivationRow] = field(default_factory=list)
    pending: list[Staff] = field(default_factory=list)
    pending_count: int = 0


def activation_report(academy, pending_limit: int | None = 200) -> ActivationReport:
    """How many active accounts have activated their OTP key, per département
    and per établissement, and who has not (the first ``pending_limit``)."""
    activated = Exists(AccountSecurity.objects.filter(staff=OuterRef("pk"), otp_key__isnull=False))
    people = Staff.objects.filter(academy=academy, is_active=True).annotate(activated=activated)
    report = ActivationReport()
    for row in (people.values("establishment__department__code", "establishment__department__name")
                .annotate(total=Count("id"), done=Count("id", filter=Q(activated=True)))
                .order_by("establishment__department__code")):
        label = f"{row['establishment__department__code'] or '—'} {row['establishment__department__name'] or ''}"
        report.departments.append(ActivationRow(label.strip(), row["total"], row["done"]))
    for row in (people.values("establishment__uai", "establishment__name")
                .annotate(total=Count("id"), done=Count("id", filter=Q(activated=True)))
                .order_by("establishment__uai")):
        report.establishments.append(ActivationRow(
            f"{row['establishment__name'] or '—'} ({row['establishment__uai'] or '—'})", row["total"], row["done"]))
    pending = people.filter(activated=False).select_related("establishment__department").order_by(
        "establishment__department__code", "establishment__uai", "last_name", "first_name")
    report.pending_count = pending.count()
    report.pending = list(pending if pending_limit is None else pending[:pending_limit])
    return report


def activation_csv(academy) -> str:
    report = activation_report(academy, pending_limit=None)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["identifiant", "nom", "prenom", "degre", "departement", "uai", "etablissement"])
    for person in report.pending:
        place = person.establishment
        writer.writerow([person.identifier, person.last_name, person.first_name, person.degree,
                         place.department.code if place else "", place.uai if place else "",
                         place.name if place else ""])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 correctly


def staff_supported_by(agent: Staff):
    """The accounts an agent may help (send an activation link…): the whole
    académie for the Rectorat and administrators, the département for a
    DSDEN, the établissement for an établissement's team. None otherwise."""
    people = Staff.objects.filter(academy=agent.academy, is_active=True)
    if agent.is_superuser:
        return people
    scope = None
    for team in agent.support_teams.select_related("department"):
        if team.kind == "rectorat":
            return people
        condition = (Q(establishment__department=team.department) if team.kind == "dsden"
                     else Q(establishment__support_team=team))
        scope = condition if scope is None else scope | condition
    return people.filter(scope) if scope is not None else None
