"""Assistance pages: requesters (file, follow, answer), people who cannot
sign in, and the agents' desk. Thin views over assistance.actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calanque.academy.models import SupportTeam
from calanque.accounts.models import AuditEvent
from calanque.accounts.throttle import Rule, locked_for, record_failure
from calanque.assistance import actions, knowledge, queries, routing
from calanque.assistance.access import agent_teams, get_ticket_for_agent, get_ticket_for_requester, is_agent
from calanque.assistance.forms import (
    AgentReplyForm,
    AnonymousTicketForm,
    IncidentForm,
    ReplyForm,
    StatusForm,
    TicketForm,
)
from calanque.assistance.models import Article, Status, Ticket, TicketFile
from calanque.core.clients import client_ip, client_of, describe_user_agent, user_agent
from calanque.mail import blobs
from calanque.mail.models import Mailbox

ANONYMOUS_PER_IP = Rule("assistance-ip", free_failures=10, base_delay=3600, max_delay=3600, window=3600)


def _base(request) -> str:
    return request.build_absolute_uri("/")


def _context(request, form) -> dict:
    if not form.cleaned_data.get("share_context"):
        return {}
    mailbox = Mailbox.objects.filter(staff=request.user).first()
    failures = AuditEvent.objects.filter(staff=request.user, kind__in=["signin_failure", "otp_failure"]).count()
    return {
        "navigateur": describe_user_agent(user_agent(request)),
        "ecran": form.cleaned_data.get("screen", ""),
        "page": form.cleaned_data.get("origin", "") or request.META.get("HTTP_REFERER", "")[:300],
        "espace_utilise": f"{mailbox.used_bytes // (1024 * 1024)} Mo / {request.user.quota_mb} Mo" if mailbox
        else "",
        "echecs_de_connexion": failures,
    }


@login_required
def home(request):
    tickets = Ticket.objects.filter(requester=request.user).select_related("team")
    return render(request, "assistance/home.html", {
        "tickets": tickets, "agent": is_agent(request.user), "incidents": queries.incidents_for(request.user),
        "my_team": routing.route(request.user.academy, request.user, "autre").team})


@login_required
@require_POST
def post_incident(request):
    if not is_agent(request.user):
        raise Http404
    form = IncidentForm(request.POST)
    if form.is_valid():
        actions.do_post_incident(request.user, **form.cleaned_data)
        messages.success(request, _("Incident publié."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("assistance:queue")


@login_required
@require_http_methods(["GET", "POST"])
def new_ticket(request):
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticket = actions.do_file_ticket(request.user, category=data["category"], urgency=data["urgency"],
                                        subject=data["subject"], body=data["body"], files=data["files"],
                                        context=_context(request, form), base_url=_base(request))
        messages.success(request, _("Demande %(ref)s enregistrée. %(reason)s")
                         % {"ref": ticket.reference, "reason": ticket.routing_reason})
        return redirect("assistance:ticket", ticket.pk)
    return render(request, "assistance/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def anonymous_ticket(request):
    if request.academy is None:
        return redirect("core:choose_academy")
    form = AnonymousTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request) or "-"
        if not locked_for(ANONYMOUS_PER_IP, ip):
            record_failure(ANONYMOUS_PER_IP, ip)
            data = form.cleaned_data
            actions.do_file_anonymous_ticket(request.academy, identifier=data["identifier"], numen=data["numen"],
                                             contact_email=data["contact_email"], category=data["category"],
                                             subject=data["subject"], body=data["body"], base_url=_base(request))
        # The same answer whatever was typed, and when throttled.
        return render(request, "assistance/anonymous_sent.html", {"contact": form.cleaned_data["contact_email"]})
    return render(request, "assistance/anonymous.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def ticket(request, ticket_id):
    current = get_ticket_for_requester(request.user, ticket_id)
    return render(request, "assistance/ticket.html", {
        "ticket": current, "entries": current.messages.filter(internal=False).prefetch_related("files"),
        "form": ReplyForm()})


@login_required
@require_POST
def reply(request, ticket_id):
    current = get_ticket_for_requester(request.user, ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        actions.do_requester_reply(request.user, current, form.cleaned_data["body"], form.cleaned_data["files"])
        messages.success(request, _("Message ajouté à votre demande."))
        return redirect("assistance:ticket", current.pk)
    return render(request, "assistance/ticket.html", {
        "ticket": current, "entries": current.messages.filter(internal=False), "form": form}, status=400)


@login_required
def download(request, file_id):
    item = TicketFile.objects.filter(pk=file_id).select_related("message__ticket").first()
    if item is None:
        raise Http404
    ticket_ = item.message.ticket
    own = ticket_.requester_id == request.user.pk and not item.message.internal
    if not own:
        get_ticket_for_agent(request.user, ticket_.pk)  # 404 unless an agent of its team
    response = HttpResponse(blobs.store().get(item.sha256), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Agents' desk --------------------------------------------------------------

@login_required
def queue(request):
    if not is_agent(request.user):
        raise Http404
    tickets = Ticket.objects.filter(academy=request.user.academy).select_related("team", "requester", "assignee")
    if not request.user.is_superuser:
        tickets = tickets.filter(team__in=agent_teams(request.user))
    status = request.GET.get("etat", "ouvertes")
    if status == "ouvertes":
        tickets = tickets.exclude(status__in=[Status.RESOLVED, Status.CLOSED])
    elif status in Status.values:
        tickets = tickets.filter(status=status)
    if request.GET.get("moi") == "1":
        tickets = tickets.filter(assignee=request.user)
    if request.GET.get("libres") == "1":
        tickets = tickets.filter(assignee__isnull=True)
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    if text:
        tickets = tickets.filter(Q(subject__icontains=text) | Q(requester__last_name__icontains=text)
                                 | Q(claimed_identifier__icontains=text))
    return render(request, "assistance/queue.html", {"tickets": tickets[:200], "status": status, "q": text,
                                                     "statuses": Status.choices, "incident_form": IncidentForm()})


@login_required
def agent_ticket(request, ticket_id):
    current = get_ticket_for_agent(request.user, ticket_id)
    return render(request, "assistance/agent_ticket.html", {
        "ticket": current, "entries": current.messages.prefetch_related("files"), "events": current.events.all(),
        "form": AgentReplyForm(), "statuses": Status.choices,
        "teams": SupportTeam.objects.filter(academy=current.academy).exclude(pk=current.team_id)})


def _agent_action(function):
    @login_required
    @require_POST
    def view(request, ticket_id):
        current = get_ticket_for_agent(request.user, ticket_id)
        try:
            function(request, current)
        except actions.TicketError as error:
            messages.error(request, str(error))
        return redirect("assistance:agent_ticket", current.pk)

    return view


def _reply(request, current):
    form = AgentReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        raise actions.TicketError(" ".join(e for errors in form.errors.values() for e in errors))
    actions.do_agent_reply(request.user, current, form.cleaned_data["body"], form.cleaned_data["files"],
                           internal=form.cleaned_data["internal"], base_url=_base(request))
    messages.success(request, _("Note ajoutée.") if form.cleaned_data["internal"] else _("Réponse envoyée."))


def _status(request, current):
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise actions.TicketError(_("État inconnu."))
    actions.do_set_status(request.user, current, form.cleaned_data["status"])


def _reassign(request, current):
    team = SupportTeam.objects.filter(pk=request.POST.get("team") or 0, academy=current.academy).first()
    reason = request.POST.get("reason", "").strip()[:200]
    if team is None or not reason:
        raise actions.TicketError(_("Choisissez une équipe et indiquez la raison."))
    actions.do_reassign(request.user, current, team, reason)


def _client(request):
    return client_of(request)


agent_reply = _agent_action(_reply)
agent_status = _agent_action(_status)
agent_take = _agent_action(lambda request, current: actions.do_take(request.user, current))
agent_reassign = _agent_action(_reassign)
agent_verify = _agent_action(lambda request, current: actions.do_verify_identity(request.user, current))
agent_reset_otp = _agent_action(lambda request, current: actions.do_reset_otp_for(request.user, current,
                                                                                  _client(request)))
agent_send_link = _agent_action(lambda request, current: actions.do_send_link_for(request.user, current,
                                                                                  _client(request), _base(request)))


# --- Knowledge base -------------------------------------------------------------

def help_articles(request):
    text = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    articles = knowledge.suggest(text, limit=20) if text else Article.objects.filter(state=Article.State.PUBLISHED)
    return render(request, "assistance/articles.html", {"articles": articles, "q": text})


def help_suggestions(request):
    text = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    return JsonResponse({"results": [
        {"title": a.title, "url": reverse("assistance:article", args=[a.slug]) + "?depuis=demande"}
        for a in knowledge.suggest(text)]})


def article(request, slug):
    item = Article.objects.filter(slug=slug, state=Article.State.PUBLISHED).first()
    if item is None:
        raise Http404
    from_form = request.GET.get("depuis") == "demande"
    knowledge.record_view(item, from_request_form=from_form)
    return render(request, "assistance/article.html", {"article": item, "html": knowledge.render(item),
                                                       "from_form": from_form})


@require_POST
def article_vote(request, slug):
    item = Article.objects.filter(slug=slug, state=Article.State.PUBLISHED).first()
    if item is None:
        raise Http404
    knowledge.record_vote(item, request.POST.get("avis") == "oui",
                          from_request_form=request.POST.get("depuis") == "demande")
    messages.success(request, _("Merci pour votre avis."))
    return redirect("assistance:article", slug)
agent_unlock = _agent_action(lambda request, current: actions.do_unlock_for(request.user, current, _client(request)))
