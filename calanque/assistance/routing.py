"""Which team handles a request, and why (said to the requester in French).

Rules configured by the académie (admin: Règles d'orientation) come first;
then the defaults: premier degré → the DSDEN of the person's département;
second degré → their établissement's team if it has one, else the Rectorat;
administration and unknown people → the Rectorat.
"""

from dataclasses import dataclass

from calanque.academy.models import Academy, Degree, Staff, SupportTeam
from calanque.assistance.models import RoutingRule


@dataclass
class Route:
    team: SupportTeam
    reason: str


def _rectorat(academy: Academy) -> SupportTeam:
    return SupportTeam.objects.get(academy=academy, kind=SupportTeam.Kind.RECTORAT)


def route(academy: Academy, requester: Staff | None, category: str) -> Route:
    establishment = requester.establishment if requester else None
    department = establishment.department if establishment else None
    for rule in RoutingRule.objects.filter(academy=academy).select_related("team", "department"):
        if ((not rule.category or rule.category == category)
                and (not rule.degree or (requester and rule.degree == requester.degree))
                and (not rule.department_id or (department and rule.department_id == department.pk))
                and (not rule.establishment_kind or (establishment and rule.establishment_kind == establishment.kind))):
            return Route(rule.team, f"Votre demande est transmise à {rule.team.name}, selon les règles de l'académie "
                                    "pour ce type de demande.")
    if requester is None or establishment is None:
        return Route(_rectorat(academy), f"Votre demande est transmise au {_rectorat(academy).name}, qui traite "
                                         "les demandes des personnes qui ne peuvent pas se connecter.")
    if requester.degree == Degree.PRIMARY:
        dsden = SupportTeam.objects.filter(kind=SupportTeam.Kind.DSDEN, department=department).first()
        if dsden is not None:
            return Route(dsden, f"Votre demande est transmise à la {dsden.name}, car vous êtes enseignant du "
                                f"premier degré dans le {department.code}.")
    if requester.degree == Degree.SECONDARY:
        if establishment.support_team_id:
            return Route(establishment.support_team,
                         f"Votre demande est transmise à l'assistance de votre établissement ({establishment.name}), "
                         "car vous exercez dans le second degré.")
        return Route(_rectorat(academy), f"Votre demande est transmise au {_rectorat(academy).name}, car votre "
                                         "établissement n'a pas d'équipe d'assistance.")
    return Route(_rectorat(academy), f"Votre demande est transmise au {_rectorat(academy).name}, qui accompagne "
                                     "les personnels administratifs.")
