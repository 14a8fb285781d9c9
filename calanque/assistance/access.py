"""Who may see a request: its requester, the agents of its team, administrators."""

from django.http import Http404

from calanque.assistance.models import Ticket


def agent_teams(user):
    return user.support_teams.all()


def is_agent(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.support_teams.exists())


def get_ticket_for_requester(user, ticket_id) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id, requester=user).select_related("team").first()
    if ticket is None:
        raise Http404
    return ticket


def get_ticket_for_agent(user, ticket_id) -> Ticket:
    tickets = Ticket.objects.filter(pk=ticket_id, academy=user.academy)
    if not user.is_superuser:
        tickets = tickets.filter(team__in=agent_teams(user))
    ticket = tickets.select_related("team", "requester", "assignee").first()
    if ticket is None:
        raise Http404
    return ticket


EDITOR_PERMISSION = "assistance.edit_help"


def is_editor(user) -> bool:
    """Agents (and administrators) with the « rédacteur » permission edit the
    help articles and the académie-wide canned answers."""
    return is_agent(user) and user.has_perm(EDITOR_PERMISSION)


def visible_teams(user):
    """The teams whose requests ``user`` works on: all of the académie for
    administrators."""
    from calanque.academy.models import SupportTeam

    if user.is_superuser:
        return SupportTeam.objects.filter(academy=user.academy)
    return agent_teams(user).filter(academy=user.academy)


def can_manage_canned_answer(user, team) -> bool:
    """Team answers: the team's agents and administrators; académie-wide
    answers (no team): editors."""
    if team is None:
        return is_editor(user)
    return visible_teams(user).filter(pk=team.pk).exists()


def get_canned_answer_for_manager(user, answer_id):
    from calanque.assistance.models import CannedAnswer

    answer = CannedAnswer.objects.filter(pk=answer_id, academy=user.academy).select_related("team").first()
    if answer is None or not can_manage_canned_answer(user, answer.team):
        raise Http404
    return answer
