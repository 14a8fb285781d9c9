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
