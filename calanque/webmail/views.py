"""Webmail pages: thin views over calanque.mail (queries, reading, actions).
Everything works without JavaScript; one URL per action."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calanque.mail import actions, queries, reading
from calanque.mail import quota as quota_mod
from calanque.mail.models import Folder
from calanque.mail.search import search_messages
from calanque.webmail.access import (
    get_folder_for_user,
    get_mailbox_for_user,
    get_message_for_user,
    get_message_ids_for_user,
)
from calanque.webmail.forms import ComposeForm, FolderForm, SettingsForm

PART = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){0,20}$")
BODY_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: {self}; font-src data:; frame-ancestors 'self'"


def _context(request, mailbox, **extra):
    quota = mailbox.quota_bytes
    return {"mailbox": mailbox, "tree": queries.folder_tree(mailbox), "quota_percent": quota_mod.percent_used(mailbox),
            "quota_low": int(quota * 0.8), "quota_high": int(quota * 0.95), **extra}


@login_required
def home(request):
    mailbox = get_mailbox_for_user(request.user)
    inbox = Folder.objects.get(mailbox=mailbox, special=Folder.Special.INBOX)
    return redirect("webmail:folder", inbox.pk)


@login_required
def folder(request, folder_id):
    current = get_folder_for_user(request.user, folder_id)
    sort = request.GET.get("tri", "date")
    filters = {name: request.GET.get(name) == "1" for name in ("unread", "flagged", "attachments")}
    page = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
    rows, total, page, pages = queries.list_messages(current, sort=sort, page=page, **filters)
    return render(request, "webmail/folder.html", _context(
        request, current.mailbox, current=current, rows=rows, total=total, page=page, pages=pages, sort=sort,
        filters=filters, sorts=queries.SORTS))


@login_required
def search(request):
    mailbox = get_mailbox_for_user(request.user)
    text = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    rows = list(search_messages(mailbox, text).select_related("content", "folder")[:100]) if text else []
    return render(request, "webmail/search.html", _context(request, mailbox, q=text, rows=rows))


@login_required
def message(request, message_id):
    current = get_message_for_user(request.user, message_id)
    if not current.seen:
        actions.do_set_flags(current.mailbox, [current.pk], seen=True)
    shown = reading.read(current)
    return render(request, "webmail/message.html", _context(
        request, current.mailbox, current=current.folder, item=current, reading=shown,
        remote=request.GET.get("images") == "1"))


@login_required
def message_body(request, message_id):
    """The HTML of a message as its own document, for the sandboxed iframe."""
    current = get_message_for_user(request.user, message_id)
    shown = reading.read(current, allow_remote=request.GET.get("images") == "1",
                         part_url=lambda part: reverse("webmail:attachment", args=[current.pk, part]) + "?apercu=1")
    document = ('<!DOCTYPE html><html><head><meta charset="utf-8"><base target="_blank">'
                '<style>body{font-family:sans-serif;margin:0;overflow-wrap:anywhere}img{max-width:100%;height:auto}'
                '.calanque-suspect{color:#ce0500}</style></head><body>' + shown.html + "</body></html>")
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    # The iframe is sandboxed (no scripts, no same-origin), and its document
    # may load nothing but inline styles and images from this server.
    response["Content-Security-Policy"] = BODY_CSP.format(self=request.build_absolute_uri("/")[:-1])
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def attachment(request, message_id, part):
    current = get_message_for_user(request.user, message_id)
    if not PART.match(part):
        raise Http404
    found = reading.attachment_bytes(current, part)
    if found is None:
        raise Http404
    info, data = found
    inline_image = request.GET.get("apercu") == "1" and info.content_type in ("image/png", "image/jpeg", "image/gif")
    response = HttpResponse(data, content_type=info.content_type if inline_image else "application/octet-stream")
    disposition = "inline" if inline_image else "attachment"
    safe_name = re.sub(r'[\r\n"\\]', "_", info.filename)
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


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


def _back(request, fallback):
    target = request.POST.get("retour", "")
    return redirect(target if target.startswith("/messagerie/") else fallback)


def _bulk(flag_action):
    @login_required
    @require_POST
    def view(request):
        ids = _selected(request)
        mailbox = get_mailbox_for_user(request.user)
        if ids:
            flag_action(request, mailbox, ids)
        else:
            messages.info(request, _("Sélectionnez au moins un message."))
        return _back(request, reverse("webmail:home"))

    return view


mark_read = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, seen=True))
mark_unread = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, seen=False))
flag = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, flagged=True))
unflag = _bulk(lambda request, mailbox, ids: actions.do_set_flags(mailbox, ids, flagged=False))


def _delete(request, mailbox, ids):
    count = actions.do_delete_messages(mailbox, ids)
    messages.success(request, _("%(n)d message(s) supprimé(s).") % {"n": count})


def _move(request, mailbox, ids):
    target = get_folder_for_user(request.user, request.POST.get("dossier", "0") or "0")
    count = actions.do_move_messages(mailbox, ids, target)
    messages.success(request, _("%(n)d message(s) déplacé(s) vers %(f)s.") % {"n": count, "f": target.name})


def _archive(request, mailbox, ids):
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


@login_required
@require_http_methods(["GET", "POST"])
def compose(request):
    mailbox = get_mailbox_for_user(request.user)
    reply_to = forward_of = None
    initial = {}
    reply_all = request.GET.get("repondre_a_tous", "").isdigit()
    if reply_all:
        request.GET = request.GET.copy()
        request.GET["repondre"] = request.GET["repondre_a_tous"]
    if request.GET.get("repondre", "").isdigit() or request.GET.get("transferer", "").isdigit():
        original_id = request.GET.get("repondre") or request.GET.get("transferer")
        original = get_message_for_user(request.user, original_id)
        shown = reading.read(original)
        subject = original.content.subject
        if request.GET.get("repondre"):
            reply_to = original
            initial = {"to": shown.parsed.reply_to[0][1] if shown.parsed.reply_to else shown.parsed.from_address,
                       "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
                       "body": _quoted(shown)}
            if reply_all:
                others = [a for _n, a in shown.parsed.to + shown.parsed.cc
                          if a and a != request.user.email and a != initial["to"]]
                initial["cc"] = ", ".join(dict.fromkeys(others))
        else:
            forward_of = original
            initial = {"subject": f"Tr: {subject}", "body": _quoted(shown)}
    draft = None
    if request.GET.get("brouillon", "").isdigit():
        draft = get_message_for_user(request.user, request.GET["brouillon"])
        parsed = reading.read(draft).parsed
        initial = {"to": ", ".join(a for _n, a in parsed.to), "cc": ", ".join(a for _n, a in parsed.cc),
                   "bcc": ", ".join(a for _n, a in parsed.bcc), "subject": parsed.subject, "body": parsed.text}
    elif mailbox.signature and "body" not in initial:
        initial["body"] = "\n\n-- \n" + mailbox.signature
    elif mailbox.signature:
        initial["body"] = "\n\n-- \n" + mailbox.signature + initial["body"]
    form = ComposeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = [(f.name[:200], f.content_type or "application/octet-stream", f.read()) for f in data["attachments"]]
        actions.do_send(request.user, to=data["to"], cc=data["cc"], bcc=data["bcc"], subject=data["subject"],
                        body=data["body"], attachments=files, reply_to=reply_to, forward_of=forward_of, draft=draft)
        messages.success(request, _("Message envoyé."))
        return redirect("webmail:home")
    return render(request, "webmail/compose.html", _context(request, mailbox, form=form, current=None, draft=draft),
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def save_draft(request):
    """« Enregistrer le brouillon »: kept as typed, even with recipients not
    yet valid (they are checked when sending)."""
    data = request.POST
    replaces = None
    if data.get("brouillon", "").isdigit():
        replaces = get_message_for_user(request.user, data["brouillon"])
    split = lambda value: [a.strip() for a in value.replace(";", ",").split(",") if a.strip()][:500]  # noqa: E731
    files = [(f.name[:200], f.content_type or "application/octet-stream", f.read())
             for f in request.FILES.getlist("attachments")][:20]
    draft = actions.do_save_draft(request.user, to=split(data.get("to", "")), cc=split(data.get("cc", "")),
                                  bcc=split(data.get("bcc", "")), subject=data.get("subject", "")[:200],
                                  body=data.get("body", "")[:500_000], attachments=files, replaces=replaces)
    messages.success(request, _("Brouillon enregistré."))
    return redirect(reverse("webmail:compose") + f"?brouillon={draft.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    mailbox = get_mailbox_for_user(request.user)
    form = SettingsForm(request.POST or None, initial={
        f: getattr(mailbox, f) for f in ("forward_to", "forward_keep_copy", "vacation_enabled", "vacation_start",
                                         "vacation_end", "vacation_subject", "vacation_text", "signature")})
    if request.method == "POST" and form.is_valid():
        actions.do_update_rules(mailbox, **form.cleaned_data)
        messages.success(request, _("Réglages enregistrés."))
        return redirect("webmail:settings")
    return render(request, "webmail/settings.html", _context(request, mailbox, form=form, current=None),
                  status=400 if request.method == "POST" else 200)


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
