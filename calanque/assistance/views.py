"""Assistance pages: requesters (file, follow, answer), people who cannot
sign in, and the agents' desk. Thin views over assistance.actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calanque.academy.models import SupportTeam
from calanque.accounts.models import AuditEvent
from calanque.accounts.throttle import Rule, locked_for, record_failure
from calanque.assistance import actions, dashboard, knowledge, queries, routing
from calanque.assistance.access import (
    get_canned_answer_for_manager,
    get_ticket_for_agent,
    get_ticket_for_requester,
    is_agent,
    is_editor,
    visible_teams,
)
from calanque.assistance.forms import (
    AgentReplyForm,
    AnonymousTicketForm,
    ArticleForm,
    CannedAnswerForm,
    IncidentForm,
    PreferencesForm,
    QueueFilterForm,
    ReplyForm,
    StatusForm,
    TeamNoticeForm,
    TicketForm,
    UrgencyForm,
)
from calanque.assistance.hours import now
from calanque.assistance.models import (
    AgentPreferences,
    Article,
    Category,
    Status,
    Ticket,
    TicketFile,
    Urgency,
)
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
        actions.do_requester_reply(request.user, current, form.cleaned_data["body"], form.cleaned_data["files"],
                                   base_url=_base(request))
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
    filters = QueueFilterForm(request.GET)
    wanted = filters.filter()
    tickets = list(queries.queue(request.user, wanted)[:200])
    at = now()
    for t in tickets:
        t.late = t.sla_breached(at)
    return render(request, "assistance/queue.html", {
        "tickets": tickets, "wanted": wanted, "filters": filters, "statuses": Status.choices,
        "categories": Category.choices, "urgencies": Urgency.choices, "sorts": filters.fields["tri"].choices,
        "incident_form": IncidentForm(), "editor": is_editor(request.user)})


def _agent_page(request, current, form, status=200):
    at = now()
    answers = queries.canned_answers_for(request.user, current)
    return render(request, "assistance/agent_ticket.html", {
        "ticket": current, "entries": current.messages.prefetch_related("files"), "events": current.events.all(),
        "form": form, "statuses": Status.choices, "urgencies": Urgency.choices,
        "teams": SupportTeam.objects.filter(academy=current.academy).exclude(pk=current.team_id),
        "agents": current.team.members.filter(is_active=True).order_by("last_name", "first_name"),
        "answers": [(a, queries.fill(a.body, current, request.user)) for a in answers],
        "first_response_late": current.first_response_late(at), "resolution_late": current.resolution_late(at),
    }, status=status)


@login_required
def agent_ticket(request, ticket_id):
    return _agent_page(request, get_ticket_for_agent(request.user, ticket_id), AgentReplyForm())


@login_required
@require_POST
def agent_reply(request, ticket_id):
    """Send a reply or a note; or, with « Insérer », put the chosen canned
    answer into the text and show the form again (works without JavaScript)."""
    current = get_ticket_for_agent(request.user, ticket_id)
    if "inserer" in request.POST:
        chosen = next((a for a in queries.canned_answers_for(request.user, current)
                       if str(a.pk) == request.POST.get("reponse_type")), None)
        body = request.POST.get("body", "")[:20000]
        if chosen is not None:
            body = (body.rstrip() + "\n\n" if body.strip() else "") + queries.fill(chosen.body, current,
                                                                                 request.user)
        else:
            messages.error(request, _("Choisissez une réponse type."))
        form = AgentReplyForm(initial={"body": body, "internal": request.POST.get("internal") == "on"})
        form.fields["body"].widget.attrs["autofocus"] = True  # back where the agent was writing
        return _agent_page(request, current, form)
    form = AgentReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _agent_page(request, current, form, status=400)
    actions.do_agent_reply(request.user, current, form.cleaned_data["body"], form.cleaned_data["files"],
                           internal=form.cleaned_data["internal"], base_url=_base(request))
    messages.success(request, _("Note ajoutée.") if form.cleaned_data["internal"] else _("Réponse envoyée."))
    return redirect("assistance:agent_ticket", current.pk)


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


def _status(request, current):
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise actions.TicketError(_("État inconnu."))
    actions.do_set_status(request.user, current, form.cleaned_data["status"])


def _urgency(request, current):
    form = UrgencyForm(request.POST)
    if not form.is_valid():
        raise actions.TicketError(_("Urgence inconnue."))
    actions.do_set_urgency(request.user, current, form.cleaned_data["urgency"])


def _number(value: str) -> int:
    """A row id from a form (0 for anything else)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _assign(request, current):
    assignee = current.team.members.filter(pk=_number(request.POST.get("agent", "")), is_active=True).first()
    if assignee is None:
        raise actions.TicketError(_("Choisissez un agent de l'équipe."))
    actions.do_assign(request.user, current, assignee)


def _reassign(request, current):
    team = SupportTeam.objects.filter(pk=_number(request.POST.get("team", "")), academy=current.academy).first()
    reason = request.POST.get("reason", "").strip()[:200]
    if team is None or not reason:
        raise actions.TicketError(_("Choisissez une équipe et indiquez la raison."))
    actions.do_reassign(request.user, current, team, reason)


def _client(request):
    return client_of(request)


agent_status = _agent_action(_status)
agent_urgency = _agent_action(_urgency)
agent_assign = _agent_action(_assign)
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


# --- Dashboard, canned answers, help articles and preferences of the desk ------------

def _agent_only(request):
    if not is_agent(request.user):
        raise Http404


@login_required
def agent_dashboard(request):
    _agent_only(request)
    teams = list(visible_teams(request.user).order_by("kind", "name"))
    chosen = next((t for t in teams if str(t.pk) == request.GET.get("equipe")), None)
    figures = dashboard.dashboard(teams, chosen)
    return render(request, "assistance/dashboard.html", {
        **figures, "teams": teams, "chosen": chosen, "statuses": Status.choices, "editor": is_editor(request.user)})


def _canned_form(request, data=None, initial=None):
    return CannedAnswerForm(data, initial=initial, teams=visible_teams(request.user).order_by("kind", "name"),
                            academy_wide=is_editor(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def canned_answers(request):
    """The canned answers the agent manages, and the form to add one."""
    _agent_only(request)
    form = _canned_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_save_canned_answer(request.user, None, **form.cleaned_data)
        messages.success(request, _("Réponse type enregistrée."))
        return redirect("assistance:canned_answers")
    return render(request, "assistance/canned_answers.html", {
        "answers": queries.manageable_canned_answers(request.user), "form": form,
        "editor": is_editor(request.user)},
        status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def canned_answer(request, answer_id):
    answer = get_canned_answer_for_manager(request.user, answer_id)
    form = _canned_form(request, request.POST or None, initial={
        "team": str(answer.team_id or ""), "title": answer.title, "body": answer.body})
    if request.method == "POST" and form.is_valid():
        actions.do_save_canned_answer(request.user, answer, **form.cleaned_data)
        messages.success(request, _("Réponse type enregistrée."))
        return redirect("assistance:canned_answers")
    return render(request, "assistance/canned_answer.html", {"answer": answer, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def canned_answer_delete(request, answer_id):
    answer = get_canned_answer_for_manager(request.user, answer_id)
    actions.do_delete_canned_answer(request.user, answer)
    messages.success(request, _("Réponse type « %(title)s » supprimée.") % {"title": answer.title})
    return redirect("assistance:canned_answers")


def _editor_only(request):
    if not is_editor(request.user):
        raise Http404


@login_required
def desk_articles(request):
    _editor_only(request)
    return render(request, "assistance/desk_articles.html", {
        "articles": Article.objects.order_by("state", "category", "title"), "editor": True})


@login_required
@require_http_methods(["GET", "POST"])
def desk_article(request, article_id=None):
    """Write or change a help article; « Prévisualiser » shows it as the
    readers will see it (sanitised) without saving."""
    _editor_only(request)
    item = None
    if article_id is not None:
        item = Article.objects.filter(pk=article_id).first()
        if item is None:
            raise Http404
    initial = ({"title": item.title, "category": item.category, "body": item.body, "state": item.state}
               if item else {"state": Article.State.DRAFT})
    form = ArticleForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "previsualiser" in request.POST:
            preview = knowledge.render(Article(body=form.cleaned_data["body"]))
        else:
            saved = actions.do_save_article(request.user, item, **form.cleaned_data)
            messages.success(request, _("Article publié.") if saved.state == Article.State.PUBLISHED
                             else _("Brouillon enregistré."))
            return redirect("assistance:desk_article", saved.pk)
    return render(request, "assistance/desk_article.html", {"article": item, "form": form, "preview": preview},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The agent's own notifications, and how each of their teams hears of
    new requests."""
    _agent_only(request)
    teams = list(visible_teams(request.user).order_by("kind", "name"))
    current = AgentPreferences.objects.filter(staff=request.user).first()
    own = request.method == "POST" and "equipe" not in request.POST
    form = PreferencesForm(request.POST if own else None, initial={
        "new_requests": current.new_requests if current else True,
        "requester_replies": current.requester_replies if current else True})
    notices = {t.pk: TeamNoticeForm(prefix=f"equipe-{t.pk}", initial={
        "mode": choice.new_request_notice, "address": choice.address})
        for t, choice in ((t, actions.team_notice(t)) for t in teams)}
    if request.method == "POST" and "equipe" in request.POST:
        team = next((t for t in teams if str(t.pk) == request.POST["equipe"]), None)
        if team is None:
            raise Http404
        notice = notices[team.pk] = TeamNoticeForm(request.POST, prefix=f"equipe-{team.pk}")
        if notice.is_valid():
            actions.do_set_team_notice(request.user, team, notice.cleaned_data["mode"],
                                       notice.cleaned_data["address"])
            messages.success(request, _("Notifications de %(team)s enregistrées.") % {"team": team.name})
            return redirect("assistance:preferences")
        return _preferences_page(request, form, teams, notices, status=400)
    if own and form.is_valid():
        actions.do_set_preferences(request.user, **form.cleaned_data)
        messages.success(request, _("Préférences enregistrées."))
        return redirect("assistance:preferences")
    return _preferences_page(request, form, teams, notices, status=400 if request.method == "POST" else 200)


def _preferences_page(request, form, teams, notices, status):
    return render(request, "assistance/preferences.html", {
        "form": form, "teams": [(t, notices[t.pk]) for t in teams], "editor": is_editor(request.user)},
        status=status)
