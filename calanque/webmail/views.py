"""Webmail pages: thin views over calanque.mail (queries, reading, actions).
Everything works without JavaScript; one URL per action."""

import re
import secrets
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from calanque.mail import actions, queries, reading
from calanque.mail import quota as quota_mod
from calanque.mail.models import Content, Folder, Message
from calanque.mail.search import search_messages
from calanque.webmail import actions as webmail_actions
from calanque.webmail import listing, richtext
from calanque.webmail.access import (
    get_draft_for_user,
    get_folder_for_user,
    get_mailbox_for_user,
    get_message_for_user,
    get_message_ids_for_user,
    get_signature_for_user,
)
from calanque.webmail.forms import (
    MAX_ATTACHMENTS_BYTES,
    ComposeForm,
    FolderForm,
    PreferencesForm,
    SearchForm,
    SettingsForm,
    SignatureComplementForm,
    SignatureForm,
)

PART = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){0,20}$")
# Images shown in the page (never SVG: it can carry scripts).
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp")
# The message's own document: no script, no form, no plugin even when opened
# outside its iframe (``sandbox``); images from this server only, unless the
# reader chose to show the remote ones.
BODY_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data: {self}{remote}; font-src data:; "
            "frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox")


def _held(request) -> list:
    """The sender's held messages, once per request; their own pages send
    those whose time has come, so they leave even when no worker runs."""
    if not hasattr(request, "_calanque_held"):
        request._calanque_held = webmail_actions.held_for(request.user)
    return request._calanque_held


def _context(request, mailbox, **extra):
    quota = mailbox.quota_bytes
    return {"mailbox": mailbox, "tree": queries.folder_tree(mailbox), "quota_percent": quota_mod.percent_used(mailbox),
            "quota_low": int(quota * 0.8), "quota_high": int(quota * 0.95), "held": _held(request), **extra}


@login_required
def home(request):
    mailbox = get_mailbox_for_user(request.user)
    inbox = Folder.objects.get(mailbox=mailbox, special=Folder.Special.INBOX)
    return redirect("webmail:folder", inbox.pk)


@login_required
def folder(request, folder_id):
    current = get_folder_for_user(request.user, folder_id)
    _held(request)  # before listing: Envoyés shows what just left
    prefs = webmail_actions.preferences_for(request.user)
    sort = request.GET.get("tri", "date")
    filters = {name: request.GET.get(name) == "1" for name in ("unread", "flagged", "attachments")}
    page = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
    conversations = prefs.conversations and sort in ("date", "date_asc") and not any(filters.values())
    if conversations:
        rows, total, page, pages = queries.list_conversations(current, page=page, per_page=prefs.per_page,
                                                              oldest_first=sort == "date_asc")
    else:
        rows, total, page, pages = queries.list_messages(current, sort=sort, page=page, per_page=prefs.per_page,
                                                         **filters)
    return render(request, "webmail/folder.html", _context(
        request, current.mailbox, current=current, rows=listing.rows(rows, chosen=_chosen(request)), total=total,
        page=page, pages=pages, sort=sort, filters=filters, sorts=queries.SORTS, conversations=conversations))


@login_required
def search(request):
    """French full-text search, in every folder or one, with filters;
    paginated like a folder, the words found marked in subjects and
    previews."""
    mailbox = get_mailbox_for_user(request.user)
    folders = Folder.objects.filter(mailbox=mailbox).order_by("name")
    form = SearchForm(request.GET or None, folders=folders)
    rows, total, page, pages, text = [], 0, 1, 1, ""
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        text = data["q"]
        within = next((f for f in folders if f.pk == data["dossier"]), None) if data["dossier"] else None
        found = search_messages(
            mailbox, text, folder=within, sender=data["de"], recipient=data["a"],
            date_from=_paris_midnight(data["du"]), unread=data["non_lus"], has_attachments=data["pj"],
            date_to=_paris_midnight(data["au"] + timedelta(days=1)) if data["au"] else None)
        per_page = webmail_actions.preferences_for(request.user).per_page
        ids, total, page, pages = queries.page_with_total(
            found, int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, per_page)
        rows = listing.rows(queries.with_contents(ids), chosen=_chosen(request), query=text)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "webmail/search.html", _context(
        request, mailbox, form=form, q=text, rows=rows, total=total, page=page, pages=pages,
        query=query.urlencode()), status=400 if form.errors else 200)


def _paris_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def _remote_allowed(request, current, shown=None) -> tuple[bool, bool]:
    """(remote images shown, because of a standing choice: a trusted sender,
    or mail from the académie when the user said so). Both standing choices
    hold only for mail written inside the portal: what came in over SMTP
    may carry any From:, so its images wait for « Afficher » every time."""
    asked = request.GET.get("images") == "1"
    inbound = shown.inbound if shown is not None else reading.came_from_outside(current)
    if inbound:
        return asked, False
    trusted = webmail_actions.trusts(request.user, current.content.from_address)
    if not trusted and webmail_actions.preferences_for(request.user).remote_images == "academie":
        shown = shown or reading.read(current)
        trusted = bool(shown.parsed.from_address) and not shown.external
    return trusted or asked, trusted


def _preview_url(current):
    return lambda part: reverse("webmail:attachment", args=[current.pk, part]) + "?apercu=1"


# The message page hands the body it has just made safe to its iframe, whose
# request follows at once: the message is parsed and sanitised once per
# opening. Single use, for a minute; keyed by the user, the message, its
# content and the iframe's « images » choice; a miss recomputes.
def _body_key(request, current, images: bool) -> str:
    return f"webmail:corps:{request.user.pk}:{current.pk}:{current.content.sha256}:{int(images)}"


@login_required
def message(request, message_id):
    current = get_message_for_user(request.user, message_id)
    if not current.seen and webmail_actions.preferences_for(request.user).mark_read_on_open:
        actions.do_set_flags(current.mailbox, [current.pk], seen=True)
    shown = reading.read(current, part_url=_preview_url(current))
    remote, trusted = _remote_allowed(request, current, shown)
    if shown.html:
        cache.set(_body_key(request, current, remote),
                  shown.with_remote_images() if remote and shown.remote_blocked else shown.html, 60)
    thread = []
    if current.content.thread_key:
        # Through the contents of the thread (index on thread_key), then the
        # copies of this mailbox (index on mailbox, content): a join on
        # content__thread_key makes SQLite scan the whole mailbox.
        contents = Content.objects.filter(thread_key=current.content.thread_key).values("id")
        thread = list(Message.objects.filter(mailbox=current.mailbox, content_id__in=contents)
                      .exclude(pk=current.pk).select_related("content", "folder").order_by("date", "id")[:50])
    return render(request, "webmail/message.html", _context(
        request, current.mailbox, current=current.folder, item=current, reading=shown, remote=remote,
        trusted=trusted, thread=thread, previews=[a for a in shown.attachments if a.content_type in PREVIEWABLE],
        attached_messages={a.part for a in shown.attachments if a.content_type == "message/rfc822"}))


def _body_document(request, html: str, *, remote: bool = False) -> HttpResponse:
    document = ('<!DOCTYPE html><html><head><meta charset="utf-8"><base target="_blank">'
                '<style>body{font-family:sans-serif;margin:0;overflow-wrap:anywhere}img{max-width:100%;height:auto}'
                '.calanque-suspect{color:#ce0500}</style></head><body>' + html + "</body></html>")
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    # The iframe is sandboxed (no scripts, no same-origin), and its document
    # may load nothing but inline styles and images from this server.
    response["Content-Security-Policy"] = BODY_CSP.format(self=request.build_absolute_uri("/")[:-1],
                                                          remote=" https: http:" if remote else "")
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def message_body(request, message_id):
    """The HTML of a message as its own document, for the sandboxed iframe."""
    current = get_message_for_user(request.user, message_id)
    images = request.GET.get("images") == "1"
    key = _body_key(request, current, images)
    html = cache.get(key)
    if html is not None:
        cache.delete(key)
        # Remote images were allowed by the page exactly when it asked for images=1.
        return _body_document(request, html, remote=images)
    remote = _remote_allowed(request, current)[0]
    return _body_document(request, reading.read(current, allow_remote=remote, part_url=_preview_url(current)).html,
                          remote=remote)


def _attached(request, message_id, part):
    current = get_message_for_user(request.user, message_id)
    if not PART.match(part):
        raise Http404
    found = reading.attachment_bytes(current, part)
    if found is None:
        raise Http404
    return current, found


@login_required
def attachment(request, message_id, part):
    _current, (info, data) = _attached(request, message_id, part)
    inline_image = request.GET.get("apercu") == "1" and info.content_type in PREVIEWABLE
    response = HttpResponse(data, content_type=info.content_type if inline_image else "application/octet-stream")
    disposition = "inline" if inline_image else "attachment"
    safe_name = re.sub(r'[\r\n"\\]', "_", info.filename)
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def attached_message(request, message_id, part):
    """A message/rfc822 attachment shown as a message (read only)."""
    current, (info, data) = _attached(request, message_id, part)
    if info.content_type != "message/rfc822":
        raise Http404
    shown = reading.read_raw(data)
    return render(request, "webmail/attached_message.html", _context(
        request, current.mailbox, current=current.folder, item=current, part=part, reading=shown))


@login_required
def attached_message_body(request, message_id, part):
    _current, (info, data) = _attached(request, message_id, part)
    if info.content_type != "message/rfc822":
        raise Http404
    return _body_document(request, reading.read_raw(data, part_url=lambda p: None).html)


@login_required
def source(request, message_id):
    current = get_message_for_user(request.user, message_id)
    raw = reading.blobs.store().get(current.content.sha256)
    response = HttpResponse(raw, content_type="text/plain; charset=utf-8")
    if request.GET.get("telecharger") == "1":
        response["Content-Type"] = "message/rfc822"
        response["Content-Disposition"] = f'attachment; filename="message-{current.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _selected(request):
    return get_message_ids_for_user(request.user, request.POST.getlist("ids"))


def _back(request, fallback, keep: list[int] = ()):
    """Back to the page the action came from; the messages still selected
    (``keep``) stay checked there (``choix``)."""
    target = request.POST.get("retour", "")
    target = target if target.startswith("/messagerie/") else fallback
    if keep:
        path, _sep, query = target.partition("?")
        params = [(k, v) for k, v in parse_qsl(query) if k != "choix"] + [("choix", ",".join(map(str, keep)))]
        target = path + "?" + urlencode(params)
    return redirect(target)


def _chosen(request) -> set[int]:
    return {int(v) for v in request.GET.get("choix", "").split(",")[:500] if v.isdigit()}


def _bulk(flag_action, keep_selection=False):
    @login_required
    @require_POST
    def view(request):
        ids = _selected(request)
        mailbox = get_mailbox_for_user(request.user)
        if ids:
            flag_action(request, mailbox, ids)
        else:
            messages.info(request, _("Sélectionnez au moins un message."))
        return _back(request, reverse("webmail:home"), keep=ids if keep_selection else ())

    return view


mark_read = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, seen=True), keep_selection=True)
mark_unread = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, seen=False), keep_selection=True)
flag = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, flagged=True), keep_selection=True)
unflag = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, flagged=False), keep_selection=True)


def _stop_held(request, ids) -> None:
    """A held message deleted or moved does not leave (see HeldSend)."""
    stopped = webmail_actions.do_cancel_held_for(request.user, ids)
    if stopped:
        messages.info(request, _("Envoi annulé pour %(n)d message(s).") % {"n": stopped})


def _delete(request, mailbox, ids):
    _stop_held(request, ids)
    count = actions.do_delete_messages(mailbox, ids)
    messages.success(request, _("%(n)d message(s) supprimé(s).") % {"n": count})


def _move(request, mailbox, ids):
    target = get_folder_for_user(request.user, request.POST.get("dossier", "0") or "0")
    if target.special != Folder.Special.DRAFTS:
        _stop_held(request, ids)
    count = actions.do_move_messages(mailbox, ids, target)
    messages.success(request, _("%(n)d message(s) déplacé(s) vers %(f)s.") % {"n": count, "f": target.name})


def _archive(request, mailbox, ids):
    _stop_held(request, ids)
    actions.do_move_messages(mailbox, ids, Folder.objects.get(mailbox=mailbox, special=Folder.Special.ARCHIVE))


delete = _bulk(_delete)
move = _bulk(_move)
archive = _bulk(_archive)


@login_required
@require_POST
def empty_folder(request, folder_id):
    current = get_folder_for_user(request.user, folder_id)
    if current.special not in (Folder.Special.TRASH, Folder.Special.JUNK):
        raise Http404
    count = actions.do_empty_folder(current.mailbox, current)
    messages.success(request, _("%(n)d message(s) supprimé(s) définitivement.") % {"n": count})
    return redirect("webmail:folder", current.pk)


def _quoted(original) -> str:
    body = original.parsed.text or reading.nh3.clean(original.parsed.html, tags=set())
    when = original.message.date.strftime("%d/%m/%Y %H:%M")
    header = _("Le %(date)s, %(who)s a écrit :") % {"date": when, "who": original.parsed.from_name
                                                      or original.parsed.from_address}
    return "\n\n" + header + "\n" + "\n".join("> " + line for line in body.splitlines())


def _original(request, value):
    return get_message_for_user(request.user, value) if str(value or "").isdigit() else None


def _setup(request):
    """What compose starts from: the message answered or forwarded, whether
    it is attached whole, the draft carried on, the prefilled fields. GET
    reads the links (``repondre``, ``repondre_a_tous``, ``transferer``,
    ``transferer_pj``, ``brouillon``); POST reads the hidden fields the page
    carries (the draft id is updated by the autosave)."""
    def param(name: str) -> str:
        return (request.POST.get(name, "") if request.method == "POST" else "") or request.GET.get(name, "")

    # The annuaire's « Écrire à » / « Écrire au groupe » links give the recipients.
    initial = {"to": request.GET.get("to", "")[:4000]} if request.method == "GET" and request.GET.get("to") else {}
    reply_all = param("repondre_a_tous").isdigit()
    reply_to = _original(request, param("repondre_a_tous") if reply_all else param("repondre"))
    attach_id = param("transferer_pj")
    forward_of = _original(request, attach_id if attach_id.isdigit() else param("transferer"))
    attach_original = attach_id.isdigit() or (request.method == "POST" and param("pj") == "1")
    draft_value = param("brouillon")
    draft = get_draft_for_user(request.user, draft_value)
    if draft_value and draft is None and request.method == "GET":
        messages.info(request, _("Ce brouillon n'existe plus (envoyé ou supprimé entre-temps)."))
    if draft is not None and hasattr(draft, "held_send"):
        draft = None  # being sent: never edited under the sender's feet
    if request.method == "GET" and reply_to is not None:
        shown = reading.read(reply_to)
        subject = reply_to.content.subject
        initial = {"to": shown.parsed.reply_to[0][1] if shown.parsed.reply_to else shown.parsed.from_address,
                   "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
                   "body": _quoted(shown)}
        if reply_all:
            others = [a for _n, a in shown.parsed.to + shown.parsed.cc
                      if a and a != request.user.email and a != initial["to"]]
            initial["cc"] = ", ".join(dict.fromkeys(others))
    elif request.method == "GET" and forward_of is not None:
        subject = forward_of.content.subject
        initial = {"subject": f"Tr: {subject}", "body": "" if attach_original else _quoted(reading.read(forward_of))}
    if draft is not None:
        attach_original = False  # the draft holds it already
        if request.method == "GET":
            parsed = reading.read(draft).parsed
            initial = {"to": ", ".join(a for _n, a in parsed.to), "cc": ", ".join(a for _n, a in parsed.cc),
                       "bcc": ", ".join(a for _n, a in parsed.bcc), "subject": parsed.subject,
                       "body": parsed.text.rstrip("\n"), "signature": "", "body_html": richtext.clean(parsed.html)}
    return reply_to, forward_of, attach_original, draft, initial


def _files(request, draft, forward_of, attach_original) -> tuple[list[tuple[str, str, bytes]], bool]:
    """Uploaded files, the draft's attachments the user kept, and the
    original message when it is forwarded as an attachment; and whether
    they are over the limit. The limit counts everything the message
    carries (autosave uploads one save at a time), and is checked on the
    uploads' sizes before any of them is read into memory."""
    files = []
    if draft is not None:
        files += webmail_actions.draft_attachments(draft, parts=set(request.POST.getlist("garder")))
    if attach_original and forward_of is not None:
        files.append(((forward_of.content.subject or "message")[:150] + ".eml", "message/rfc822",
                      reading.blobs.store().get(forward_of.content.sha256)))
    uploads = request.FILES.getlist("attachments")[:20]
    if sum(len(data) for _name, _type, data in files) + sum(f.size for f in uploads) > MAX_ATTACHMENTS_BYTES:
        return files, True
    files += [(f.name[:200], f.content_type or "application/octet-stream", f.read()) for f in uploads]
    return files, False


def _page_token(request) -> str:
    """The compose page's token (see ``webmail_actions.do_send_once``); ""
    for an older page without one: nothing to compare."""
    token = request.POST.get("jeton", "")
    return token if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token) else ""


TOO_BIG = _lazy("Les pièces jointes dépassent 20 Mo au total.")


def _compose_url(draft, reply_to, forward_of) -> str:
    query = {"brouillon": draft.pk}
    if reply_to is not None:
        query["repondre"] = reply_to.pk
    if forward_of is not None:
        query["transferer"] = forward_of.pk
    return reverse("webmail:compose") + "?" + urlencode(query)


@login_required
@require_http_methods(["GET", "POST"])
def compose(request):
    mailbox = get_mailbox_for_user(request.user)
    reply_to, forward_of, attach_original, draft, initial = _setup(request)
    choices, default = webmail_actions.signature_choices(request.user)
    initial.setdefault("signature", default)
    form = ComposeForm(request.POST or None, request.FILES or None, initial=initial, signatures=choices,
                       max_recipients=request.user.academy.max_recipients)
    files, too_big = _files(request, draft, forward_of, attach_original) if request.method == "POST" else ([], False)
    if too_big:
        form.add_error("attachments", TOO_BIG)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((c.text for c in choices if c.key == data["signature"]), "")
        fields = {"to": data["to"], "cc": data["cc"], "bcc": data["bcc"], "subject": data["subject"],
                  "body": webmail_actions.with_signature(data["body"], chosen), "attachments": files,
                  "html": richtext.with_signature(data["body_html"], chosen),
                  "reply_to": reply_to, "forward_of": forward_of, "draft": draft}
        try:
            webmail_actions.do_send_once(request.user, _page_token(request),
                                         seconds=webmail_actions.preferences_for(request.user).undo_seconds, **fields)
        except webmail_actions.AlreadySent:
            messages.info(request, _("Ce message a déjà été envoyé."))
            return redirect("webmail:home")
        messages.success(request, _("Message envoyé."))
        return redirect("webmail:home")
    kept = [a for a in reading.read(draft).attachments if not a.inline] if draft is not None else []
    return render(request, "webmail/compose.html", _context(
        request, mailbox, form=form, current=None, draft=draft, reply_to=reply_to, forward_of=forward_of,
        attach_original=attach_original, kept=kept, signatures=choices, max_bytes=MAX_ATTACHMENTS_BYTES,
        token=secrets.token_urlsafe(16)),
        status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def save_draft(request):
    """« Enregistrer le brouillon », and the autosave (asked for JSON): kept
    as typed, even with recipients not yet valid (they are checked when
    sending). The draft replaces the previous one: one draft per message."""
    data = request.POST
    reply_to, forward_of, attach_original, replaces, _initial = _setup(request)
    choices, _default = webmail_actions.signature_choices(request.user)
    chosen = next((c.text for c in choices if c.key == data.get("signature", "")), "")
    # Kept as typed, but on one line: subject and addresses are headers.
    def split(value: str) -> list[str]:
        return [" ".join(a.split()) for a in value.replace(";", ",").split(",") if a.strip()][:500]

    wants_json = "application/json" in request.headers.get("Accept", "")
    files, too_big = _files(request, replaces, forward_of, attach_original)
    if too_big:
        # Nothing saved: the previous draft stays as it was.
        if wants_json:
            return JsonResponse({"error": str(TOO_BIG)}, status=400)
        messages.error(request, TOO_BIG)
        return redirect(_compose_url(replaces, reply_to, forward_of) if replaces else reverse("webmail:compose"))
    draft = actions.do_save_draft(request.user, to=split(data.get("to", "")), cc=split(data.get("cc", "")),
                                  bcc=split(data.get("bcc", "")),
                                  subject=" ".join(data.get("subject", "")[:200].split()),
                                  body=webmail_actions.with_signature(data.get("body", "")[:500_000], chosen),
                                  html=richtext.with_signature(richtext.clean(data.get("body_html", "")[:1_000_000]),
                                                               chosen),
                                  attachments=files, replaces=replaces)
    url = _compose_url(draft, reply_to, forward_of)
    if wants_json:
        attachments = [{"part": a.part, "filename": a.filename, "size": filesizeformat(a.size)}
                       for a in reading.read(draft).attachments if not a.inline]
        return JsonResponse({"draft": draft.pk, "url": url, "attachments": attachments,
                             "saved_at": timezone.localtime().strftime("%H:%M:%S")})
    messages.success(request, _("Brouillon enregistré."))
    return redirect(url)


@login_required
@require_POST
def cancel_send(request, held_id):
    """« Annuler l'envoi »: the message comes back in compose, as it was."""
    cancelled = webmail_actions.do_cancel_held_send(request.user, held_id)
    if cancelled is None:
        messages.error(request, _("Trop tard : le message est déjà parti."))
        return redirect("webmail:home")
    messages.success(request, _("Envoi annulé. Le message est dans vos brouillons."))
    query = {"brouillon": cancelled.draft.pk}
    if cancelled.reply_to_id:
        query["repondre"] = cancelled.reply_to_id
    if cancelled.forward_of_id:
        query["transferer"] = cancelled.forward_of_id
    return redirect(reverse("webmail:compose") + "?" + urlencode(query))


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    mailbox = get_mailbox_for_user(request.user)
    form = SettingsForm(request.POST or None, initial={
        f: getattr(mailbox, f) for f in ("forward_to", "forward_keep_copy", "vacation_enabled", "vacation_start",
                                         "vacation_end", "vacation_subject", "vacation_text")})
    if request.method == "POST" and form.is_valid():
        actions.do_update_rules(mailbox, signature=mailbox.signature, **form.cleaned_data)
        messages.success(request, _("Réglages enregistrés."))
        return redirect("webmail:settings")
    return render(request, "webmail/settings.html", _context(request, mailbox, form=form, current=None),
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def display_settings(request):
    mailbox = get_mailbox_for_user(request.user)
    prefs = webmail_actions.preferences_for(request.user)
    form = PreferencesForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        webmail_actions.do_update_preferences(request.user, **form.cleaned_data)
        messages.success(request, _("Réglages enregistrés."))
        return redirect("webmail:display_settings")
    trusted = request.user.trusted_senders.all()
    return render(request, "webmail/display_settings.html", _context(
        request, mailbox, form=form, current=None, trusted=trusted), status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def signatures(request, signature_id=None):
    """The user's signatures: the list, and the form to add or edit one."""
    mailbox = get_mailbox_for_user(request.user)
    editing = get_signature_for_user(request.user, signature_id) if signature_id else None
    form = SignatureForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        try:
            webmail_actions.do_save_signature(request.user, editing, **form.cleaned_data)
        except webmail_actions.WebmailError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Signature enregistrée."))
            return redirect("webmail:signatures")
    return render(request, "webmail/signatures.html", _context(
        request, mailbox, form=form, current=None, editing=editing, signatures=request.user.signatures.all(),
        institutional=webmail_actions.institutional_text(request.user),
        complement=webmail_actions.preferences_for(request.user).signature_complement),
        status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def signature_complement(request):
    """The lines a person adds under the académie's (locked) signature."""
    form = SignatureComplementForm(request.POST)
    if form.is_valid():
        webmail_actions.do_set_signature_complement(request.user, form.cleaned_data["complement"])
        messages.success(request, _("Signature de l'académie complétée."))
    else:
        messages.error(request, _("Le complément fait 500 caractères au plus."))
    return redirect("webmail:signatures")


@login_required
@require_POST
def delete_signature(request, signature_id):
    signature = get_signature_for_user(request.user, signature_id)
    webmail_actions.do_delete_signature(request.user, signature)
    messages.success(request, _("Signature « %(name)s » supprimée.") % {"name": signature.name})
    return redirect("webmail:signatures")


@login_required
@require_POST
def trust_sender(request, message_id):
    current = get_message_for_user(request.user, message_id)
    webmail_actions.do_trust_sender(request.user, current.content.from_address)
    cache.delete_many([_body_key(request, current, False), _body_key(request, current, True)])  # made before
    messages.success(request, _("Les images distantes de %(a)s seront toujours affichées.")
                     % {"a": current.content.from_address})
    return redirect("webmail:message", current.pk)


@login_required
@require_POST
def untrust_sender(request):
    webmail_actions.do_untrust_sender(request.user, request.POST.get("adresse", ""))
    messages.success(request, _("Expéditeur retiré de la liste."))
    return redirect("webmail:display_settings")


@login_required
def cleanup(request):
    """Clean-up assistant: what takes room, and the ways to free it."""
    mailbox = get_mailbox_for_user(request.user)
    bins = Folder.objects.filter(mailbox=mailbox, special__in=[Folder.Special.TRASH, Folder.Special.JUNK])
    return render(request, "webmail/cleanup.html", _context(
        request, mailbox, current=None, largest=queries.largest_messages(mailbox),
        folders=queries.folders_by_size(mailbox), bins=bins, bins_bytes=sum(f.size_bytes for f in bins),
        bins_total=sum(f.total for f in bins)))


@login_required
@require_POST
def empty_bins(request):
    mailbox = get_mailbox_for_user(request.user)
    count = sum(actions.do_empty_folder(mailbox, f) for f in Folder.objects.filter(
        mailbox=mailbox, special__in=[Folder.Special.TRASH, Folder.Special.JUNK]))
    messages.success(request, _("Corbeille et Indésirables vidés : %(n)d message(s) supprimé(s) définitivement.")
                     % {"n": count})
    return redirect("webmail:cleanup")


@login_required
@require_http_methods(["GET", "POST"])
def remove_attachments(request, message_id):
    """Remove a message's attachments, keeping its text (asks first)."""
    current = get_message_for_user(request.user, message_id)
    from_cleanup = request.GET.get("retour") == "menage" or request.POST.get("retour") == "menage"
    if webmail_actions.is_held(current):
        # Its copy would be replaced, and the held send with it: refused.
        messages.error(request, _("Ce message part dans quelques secondes : annulez l'envoi avant d'en retirer "
                                  "les pièces jointes."))
        return redirect("webmail:message", current.pk)
    if request.method == "GET":
        attachments = [a for a in reading.read(current).attachments if not a.inline]
        return render(request, "webmail/remove_attachments.html", _context(
            request, current.mailbox, current=current.folder, item=current, attachments=attachments,
            back="menage" if from_cleanup else ""))
    before = current.size
    try:
        lighter = actions.do_remove_attachments(current.mailbox, current)
    except actions.MailError as error:
        messages.error(request, str(error))
        return redirect("webmail:message", current.pk)
    messages.success(request, _("Pièces jointes retirées : %(n)s libérés. Le texte du message est conservé.")
                     % {"n": filesizeformat(max(0, before - lighter.size))})
    return redirect("webmail:cleanup") if from_cleanup else redirect("webmail:message", lighter.pk)


def _folder_error(request, error, folder_id=None):
    messages.error(request, str(error))
    return redirect("webmail:folder", folder_id) if folder_id else redirect("webmail:home")


@login_required
@require_POST
def create_folder(request):
    mailbox = get_mailbox_for_user(request.user)
    form = FolderForm(request.POST)
    parent = get_folder_for_user(request.user, request.POST["parent"]) if request.POST.get("parent") else None
    if not form.is_valid():
        return _folder_error(request, _("Indiquez le nom du dossier."))
    try:
        created = actions.do_create_folder(mailbox, form.cleaned_data["name"], parent)
    except actions.MailError as error:
        return _folder_error(request, error)
    messages.success(request, _("Dossier « %(name)s » créé.") % {"name": created.name})
    return redirect("webmail:folder", created.pk)


@login_required
@require_POST
def rename_folder(request, folder_id):
    current = get_folder_for_user(request.user, folder_id)
    form = FolderForm(request.POST)
    if not form.is_valid():
        return _folder_error(request, _("Indiquez le nom du dossier."), current.pk)
    try:
        actions.do_rename_folder(current.mailbox, current, form.cleaned_data["name"])
    except actions.MailError as error:
        return _folder_error(request, error, current.pk)
    messages.success(request, _("Dossier renommé."))
    return redirect("webmail:folder", current.pk)


@login_required
@require_http_methods(["GET", "POST"])
def delete_folder(request, folder_id):
    current = get_folder_for_user(request.user, folder_id)
    if current.special:
        raise Http404
    if request.method == "POST":
        moved = actions.do_delete_folder(current.mailbox, current)
        messages.success(request, _("Dossier supprimé ; %(n)d message(s) placé(s) dans la Corbeille.") % {"n": moved})
        return redirect("webmail:home")
    return render(request, "webmail/delete_folder.html", _context(
        request, current.mailbox, current=current, has_children=current.children.exists()))
