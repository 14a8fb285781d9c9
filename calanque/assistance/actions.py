"""Writes of the assistance domain. Every change of a request is recorded in
its history (TicketEvent); notifications go through mail.sending in the same
transaction."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from calanque.academy.identifiers import numen_fingerprint
from calanque.academy.models import Academy, Staff, SupportTeam
from calanque.accounts import actions as account_actions
from calanque.accounts import recovery
from calanque.accounts.actions import Client, normalise_login
from calanque.assistance import references, routing, sla
from calanque.assistance.files import CheckedFile
from calanque.assistance.hours import now
from calanque.assistance.models import (
    AgentPreferences,
    Article,
    CannedAnswer,
    DeskSettings,
    Incident,
    Status,
    TeamNotice,
    TeamSettings,
    Ticket,
    TicketEvent,
    TicketFile,
    TicketMessage,
    Urgency,
)
from calanque.mail import blobs
from calanque.mail import services
from calanque.mail.sending import is_local, notify

CLOSE_AFTER_DAYS = 7


class TicketError(Exception):
    pass


def _event(ticket: Ticket, actor: Staff | None, text: str) -> None:
    TicketEvent.objects.create(ticket=ticket, actor=actor, text=text[:300])


def _add_message(ticket, author, body, files: list[CheckedFile], internal=False) -> TicketMessage:
    message = TicketMessage.objects.create(ticket=ticket, author=author, body=body, internal=internal,
                                           created_at=now())
    for f in files:
        TicketFile.objects.create(message=message, filename=f.filename, content_type=f.content_type,
                                  size=len(f.data), sha256=blobs.store().put(f.data))
    return message


def _link(base_url: str, ticket: Ticket, agent: bool = False) -> str:
    name = "assistance:agent_ticket" if agent else "assistance:ticket"
    return (base_url or settings.CALANQUE_PUBLIC_URL).rstrip("/") + reverse(name, args=[ticket.pk])


def new_ticket(**fields) -> Ticket:
    """Create a request with its service-level deadlines (inside the caller's
    transaction). Every way of filing a request goes through here."""
    at = now()
    ticket = Ticket(created_at=at, updated_at=at, **fields)
    sla.set_deadlines(ticket)
    ticket.save()
    return ticket


def do_file_ticket(requester: Staff, *, category: str, urgency: str, subject: str, body: str,
                   files: list[CheckedFile], context: dict, base_url: str) -> Ticket:
    """File a request for a signed-in person, routed by their profile."""
    way = routing.route(requester.academy, requester, category)
    with transaction.atomic():
        ticket = new_ticket(academy=requester.academy, requester=requester, team=way.team,
                            routing_reason=way.reason, category=category, urgency=urgency,
                            subject=subject, technical_context=context)
        _add_message(ticket, requester, body, files)
        _event(ticket, requester, f"Demande créée, orientée vers {way.team.name}")
        _notify_team(ticket, base_url)
    return ticket


def do_file_anonymous_ticket(academy: Academy, *, identifier: str, numen: str, contact_email: str, category: str,
                             subject: str, body: str, base_url: str) -> Ticket:
    """A request from someone who cannot sign in. The account is looked up
    and the NUMEN compared for the agent only: the person gets the same
    answer whatever they typed."""
    email = normalise_login(identifier, academy)
    staff = Staff.objects.filter(email=email).select_related("establishment__department", "academy").first()
    matches = None
    if staff is not None and staff.numen_hash and numen:
        matches = numen_fingerprint(numen, settings.CALANQUE_NUMEN_KEY) == staff.numen_hash
    way = routing.route(academy, staff, category)
    with transaction.atomic():
        ticket = new_ticket(academy=academy, requester=None, claimed_identifier=email[:254],
                            contact_email=contact_email, identity_to_check=True, numen_matches=matches,
                            team=way.team, routing_reason=way.reason, category=category, subject=subject)
        _add_message(ticket, None, body, [])
        _event(ticket, None, f"Demande sans connexion pour {email} ({'compte trouvé' if staff else 'compte inconnu'})"
                             f", orientée vers {way.team.name}")
        _notify_team(ticket, base_url)
        notify(contact_email, f"Votre demande {ticket.reference} est enregistrée",
               f"Bonjour,\n\nVotre demande « {subject} » est enregistrée sous la référence {ticket.reference}.\n"
               "Un agent vérifiera votre identité puis vous répondra à cette adresse.\n"
               "Nous ne vous demanderons jamais votre mot de passe ni votre code.\n", academy=academy,
               headers=references.mail_headers(ticket))
    return ticket


def team_notice(team: SupportTeam) -> TeamSettings:
    """The team's choice (unsaved defaults without a row: each agent)."""
    return TeamSettings.objects.filter(team=team).first() or TeamSettings(team=team)


def receives_requests(address: str) -> bool:
    """Whether ``address`` is one of the académie's addresses that turn mail
    into requests (a notice sent there would come back as a request)."""
    return is_local(address) and services.service_for(address) is not None


def _wants(agent: Staff, field: str) -> bool:
    preferences = AgentPreferences.objects.filter(staff=agent).first()
    return preferences is None or getattr(preferences, field)


def _notify_team(ticket: Ticket, base_url: str) -> None:
    """Tell the team of a new request, as the team chose: not at all, at its
    address, or each of its agents (except those who opted out)."""
    choice = team_notice(ticket.team)
    if choice.new_request_notice == TeamNotice.TEAM_ADDRESS:
        recipients = [choice.address] if choice.address and not receives_requests(choice.address) else []
    elif choice.new_request_notice == TeamNotice.AGENTS:
        recipients = [agent.email for agent in ticket.team.members.filter(is_active=True).order_by("pk")
                      if _wants(agent, "new_requests")]
    else:
        recipients = []
    for to in recipients:
        notify(to, f"Nouvelle demande {ticket.reference} : {ticket.subject}",
               f"Nouvelle demande pour {ticket.team.name} ({ticket.get_category_display()}, "
               f"urgence : {ticket.get_urgency_display()}).\n\n{_link(base_url, ticket, agent=True)}\n",
               academy=ticket.academy)


def _notify_assignee(ticket: Ticket, author: Staff | None, body: str, base_url: str) -> None:
    agent = ticket.assignee
    if agent is None or agent == author or not agent.is_active or not _wants(agent, "requester_replies"):
        return
    notify(agent.email, f"Réponse de l'usager : {ticket.reference} {ticket.subject}",
           f"L'usager a répondu à la demande {ticket.reference} que vous suivez :\n\n{body}\n\n"
           f"{_link(base_url, ticket, agent=True)}\n", academy=ticket.academy)


def do_requester_reply(requester: Staff, ticket: Ticket, body: str, files: list[CheckedFile], *,
                       base_url: str = "") -> None:
    """The requester answers: the request reopens (from « en attente »,
    « résolu » or « clos ») and its agent is told."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assignee", "team").get(pk=ticket.pk)
        _add_message(ticket, requester, body, files)
        fields = ["status", "updated_at"]
        if ticket.status in (Status.WAITING, Status.RESOLVED, Status.CLOSED):
            _event(ticket, requester, "Réponse de l'usager : demande rouverte" if ticket.status != Status.WAITING
                   else "Réponse de l'usager")
            fields += sla.follow_status(ticket, Status.OPEN, now())
            ticket.status = Status.OPEN
        ticket.updated_at = now()
        ticket.save(update_fields=fields)
        _notify_assignee(ticket, requester, body, base_url)


def do_agent_reply(agent: Staff, ticket: Ticket, body: str, files: list[CheckedFile], *, internal: bool,
                   base_url: str) -> None:
    """A public reply (e-mailed to the requester, status « en attente de
    l'usager ») or an internal note (seen by agents only)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _add_message(ticket, agent, body, files, internal=internal)
        fields = ["updated_at"]
        ticket.updated_at = now()
        if not internal:
            if ticket.first_response_at is None:
                ticket.first_response_at = ticket.updated_at
                fields.append("first_response_at")
            if ticket.status in (Status.NEW, Status.OPEN):
                fields += sla.follow_status(ticket, Status.WAITING, ticket.updated_at)
                ticket.status = Status.WAITING
                fields.append("status")
            if ticket.assignee_id is None:
                ticket.assignee = agent
                fields.append("assignee")
            to = ticket.requester.email if ticket.requester else ticket.contact_email
            if to:
                link = _link(base_url, ticket) if ticket.requester else ""
                notify(to, f"Réponse à votre demande {ticket.reference}",
                       f"Bonjour,\n\n{ticket.team.name} a répondu à votre demande « {ticket.subject} » :\n\n"
                       f"{body}\n\n{('Pour répondre : ' + link) if link else ''}\n"
                       "Nous ne vous demanderons jamais votre mot de passe ni votre code.\n",
                       academy=ticket.academy, headers=references.mail_headers(ticket))
        ticket.save(update_fields=fields)


def do_set_status(agent: Staff, ticket: Ticket, status: str) -> None:
    if status not in Status.values:
        raise TicketError("état inconnu")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status == status:
            return
        _event(ticket, agent, f"État : {Status(ticket.status).label} → {Status(status).label}")
        at = now()
        fields = ["status", "resolved_at", "updated_at"] + sla.follow_status(ticket, status, at)
        if status == Status.RESOLVED or (status == Status.CLOSED and ticket.resolved_at is None):
            ticket.resolved_at = at
        ticket.status = status
        ticket.updated_at = at
        ticket.save(update_fields=fields)


def do_set_urgency(agent: Staff, ticket: Ticket, urgency: str) -> None:
    """An agent corrects the urgency; the deadlines follow it."""
    if urgency not in Urgency.values:
        raise TicketError("urgence inconnue")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.urgency == urgency:
            return
        _event(ticket, agent, f"Urgence : {Urgency(ticket.urgency).label} → {Urgency(urgency).label} "
                              "(échéances recalculées)")
        sla.retarget(ticket, urgency)
        ticket.updated_at = now()
        ticket.save(update_fields=["urgency", "first_response_due", "resolution_due", "updated_at"])


def do_take(agent: Staff, ticket: Ticket) -> None:
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent, updated_at=now(),
                                                   status=Status.OPEN if ticket.status == Status.NEW else ticket.status)
        _event(ticket, agent, f"Prise en charge par {agent.get_full_name()}")


def do_assign(agent: Staff, ticket: Ticket, assignee: Staff) -> None:
    """Give the request to an agent of its team."""
    if not ticket.team.members.filter(pk=assignee.pk, is_active=True).exists():
        raise TicketError("Cette personne n'est pas agent de l'équipe de la demande.")
    if assignee == agent:
        return do_take(agent, ticket)
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee, updated_at=now(),
                                                   status=Status.OPEN if ticket.status == Status.NEW else ticket.status)
        _event(ticket, agent, f"Attribuée à {assignee.get_full_name()}")


def do_reassign(agent: Staff, ticket: Ticket, team: SupportTeam, reason: str) -> None:
    if team.academy_id != ticket.academy_id:
        raise TicketError("équipe d'une autre académie")
    with transaction.atomic():
        _event(ticket, agent, f"Réorientée de {ticket.team.name} vers {team.name} : {reason}")
        Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=None, updated_at=now())


def do_verify_identity(agent: Staff, ticket: Ticket) -> None:
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(identity_to_check=False)
        _event(ticket, agent, "Identité vérifiée")


def _account(ticket: Ticket) -> Staff:
    account = ticket.requester or Staff.objects.filter(email=ticket.claimed_identifier, is_active=True).first()
    if account is None:
        raise TicketError("Aucun compte ne correspond à cette demande.")
    if ticket.identity_to_check:
        raise TicketError("Vérifiez d'abord l'identité de la personne.")
    return account


def do_reset_otp_for(agent: Staff, ticket: Ticket, client: Client) -> None:
    account = _account(ticket)
    with transaction.atomic():
        account_actions.do_reset_otp(agent, account, client)
        _event(ticket, agent, f"Clé OTP de {account.identifier} réinitialisée")


def do_send_link_for(agent: Staff, ticket: Ticket, client: Client, base_url: str) -> bool:
    account = _account(ticket)
    with transaction.atomic():
        sent = recovery.do_send_activation_link(agent, account, client, base_url=base_url)
        _event(ticket, agent, f"Lien d'activation envoyé à l'adresse de secours de {account.identifier}" if sent
               else f"Pas d'adresse de secours pour {account.identifier} : aucun lien envoyé")
    return sent


def close_resolved(days: int | None = None) -> int:
    """Close requests resolved more than N days ago without an answer
    (worker): N is the académie's setting, or ``days`` when given."""
    closed = 0
    for academy_id in Ticket.objects.filter(status=Status.RESOLVED).values_list("academy", flat=True).distinct():
        wait = days
        if wait is None:
            settings_ = DeskSettings.objects.filter(academy_id=academy_id).first()
            wait = settings_.close_after_days if settings_ else CLOSE_AFTER_DAYS
        limit = now() - timedelta(days=wait)
        tickets = list(Ticket.objects.filter(academy_id=academy_id, status=Status.RESOLVED, resolved_at__lt=limit))
        for ticket in tickets:
            do_set_status(None, ticket, Status.CLOSED)
        closed += len(tickets)
    return closed


def do_post_incident(agent: Staff, *, title: str, text: str, ends_at) -> Incident:
    """An incident for the people the agent's team supports: the académie for
    the Rectorat (and administrators), the département for a DSDEN, the
    établissement for its own team."""
    team = agent.support_teams.order_by("kind").first()
    scope = {}
    if not agent.is_superuser and team is not None and team.kind == SupportTeam.Kind.DSDEN:
        scope["department"] = team.department
    elif not agent.is_superuser and team is not None and team.kind == SupportTeam.Kind.ESTABLISHMENT:
        scope["establishment"] = team.establishments.first()
    with transaction.atomic():
        return Incident.objects.create(academy=agent.academy, title=title, text=text, ends_at=ends_at,
                                       created_by=agent, **scope)


def do_unlock_for(agent: Staff, ticket: Ticket, client: Client) -> None:
    account = _account(ticket)
    with transaction.atomic():
        account_actions.do_unlock(agent, account, client)
        _event(ticket, agent, f"Blocage de connexion de {account.identifier} levé")


# --- Desk content and settings ----------------------------------------------------

def do_save_canned_answer(agent: Staff, answer: CannedAnswer | None, *, team: SupportTeam | None, title: str,
                          body: str) -> CannedAnswer:
    """Create or change a canned answer (the caller checked that ``agent``
    manages both the old and the new team)."""
    answer = answer or CannedAnswer(academy=agent.academy)
    answer.team, answer.title, answer.body = team, title, body
    answer.updated_by, answer.updated_at = agent, now()
    with transaction.atomic():
        answer.save()
    return answer


def do_delete_canned_answer(agent: Staff, answer: CannedAnswer) -> None:
    with transaction.atomic():
        answer.delete()


def do_save_article(agent: Staff, article: Article | None, *, title: str, category: str, body: str,
                    state: str, slug: str = "") -> Article:
    """Create or change a help article (editors, from the desk)."""
    if article is None:
        base = slugify(slug or title)[:90] or "article"
        slug, n = base, 2
        while Article.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        article = Article(slug=slug)
    article.title, article.category, article.body, article.state = title, category, body, state
    article.updated_at = now()
    with transaction.atomic():
        article.save()
    return article


def do_set_team_notice(agent: Staff, team: SupportTeam, mode: str, address: str = "") -> None:
    row = team_notice(team)
    row.new_request_notice, row.address = mode, address
    try:
        row.full_clean(exclude=["team"])
    except ValidationError as error:
        raise TicketError(" ".join(error.messages)) from None
    with transaction.atomic():
        row.save()


def do_set_preferences(agent: Staff, *, new_requests: bool, requester_replies: bool) -> None:
    with transaction.atomic():
        AgentPreferences.objects.update_or_create(staff=agent, defaults={
            "new_requests": new_requests, "requester_replies": requester_replies})


def do_file_ticket_by_mail(team: SupportTeam, *, requester: Staff | None, contact_email: str, mail_from: str,
                           subject: str, body: str, files: list[CheckedFile], category: str) -> Ticket:
    """A new request of ``team`` from a mail (inside the delivery's transaction)."""
    trusted = requester is not None
    ticket = new_ticket(
        academy=team.academy, requester=requester, contact_email=contact_email,
        technical_context={} if trusted else {"enveloppe": mail_from.lower()},
        claimed_identifier="" if trusted else contact_email[:254], identity_to_check=not trusted, team=team,
        routing_reason=f"Votre demande est transmise à {team.name}, à qui vous l'avez adressée par courriel.",
        category=category, subject=subject)
    _add_message(ticket, requester, body, files)
    _event(ticket, requester, f"Demande reçue par courriel à {team.email}"
                              + ("" if trusted else f" de {contact_email} (identité à vérifier)"))
    _notify_team(ticket, "")
    return ticket


def do_add_mail_note(ticket: Ticket, body: str, files: list[CheckedFile]) -> None:
    """Mail that cites a request without speaking for its requester: an
    internal note for the agents."""
    _add_message(ticket, None, body, files, internal=True)
    _event(ticket, None, "Message automatique joint en note interne")
