"""Operations on stored mail. Every one updates the folder counters and the
mailbox usage in the same transaction as the rows it changes, so that a
folder is shown without counting rows and ``calanque mail check`` finds
nothing to correct.
"""

import email
import re
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from html import escape as html_escape

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from calanque.mail import blobs, quota, sending
from calanque.mail.delivery import content_for, mailbox_for, store_copy
from calanque.mail.models import Content, Folder, Mailbox, Message

PURGE_AFTER_DAYS = 30


class MailError(Exception):
    pass


def _recount(folder_ids) -> None:
    """Apply the exact counters of ``folder_ids`` (after bulk changes)."""
    for folder_id in set(folder_ids):
        stats = Message.objects.filter(folder_id=folder_id).aggregate(
            total=Count("id"), unread=Count("id", filter=Q(seen=False)), size=Sum("size"))
        Folder.objects.filter(pk=folder_id).update(total=stats["total"], unread=stats["unread"],
                                                   size_bytes=stats["size"] or 0)


def do_set_flags(mailbox: Mailbox, message_ids: list[int], **flags: bool) -> int:
    """Set seen/flagged/answered/forwarded on messages of ``mailbox``."""
    allowed = {k: bool(v) for k, v in flags.items() if k in ("seen", "flagged", "answered", "forwarded")}
    if not allowed:
        return 0
    with transaction.atomic():
        rows = list(Message.objects.select_for_update().filter(mailbox=mailbox, pk__in=message_ids)
                    .only("pk", "folder_id", "seen"))
        if "seen" in allowed:
            deltas: dict[int, int] = {}
            for message in rows:
                if message.seen != allowed["seen"]:
                    deltas[message.folder_id] = deltas.get(message.folder_id, 0) + (-1 if allowed["seen"] else 1)
            for folder_id, delta in deltas.items():
                Folder.objects.filter(pk=folder_id).update(unread=F("unread") + delta)
        return Message.objects.filter(pk__in=[m.pk for m in rows]).update(**allowed)


def do_move_messages(mailbox: Mailbox, message_ids: list[int], target: Folder) -> int:
    """Move messages of ``mailbox`` to ``target`` (a folder of the same
    mailbox); each gets the target's next UID, as IMAP requires."""
    if target.mailbox_id != mailbox.pk:
        raise MailError("dossier d'une autre boîte")
    moved = 0
    with transaction.atomic():
        target = Folder.objects.select_for_update().get(pk=target.pk)
        rows = list(Message.objects.select_for_update().filter(mailbox=mailbox, pk__in=message_ids)
                    .exclude(folder=target).order_by("date", "id"))
        sources = {m.folder_id for m in rows}
        uid = target.uid_next
        for message in rows:
            message.folder_id, message.uid = target.pk, uid
            uid += 1
        Message.objects.bulk_update(rows, ["folder", "uid"], batch_size=500)
        Folder.objects.filter(pk=target.pk).update(uid_next=uid)
        _recount(sources | {target.pk})
        moved = len(rows)
    return moved


def do_copy_messages(mailbox: Mailbox, message_ids: list[int], target: Folder) -> int:
    if target.mailbox_id != mailbox.pk:
        raise MailError("dossier d'une autre boîte")
    with transaction.atomic():
        rows = list(Message.objects.filter(mailbox=mailbox, pk__in=message_ids).select_related("content"))
        for message in rows:
            store_copy(mailbox, target, message.content, seen=message.seen)
    return len(rows)


def do_delete_messages(mailbox: Mailbox, message_ids: list[int]) -> int:
    """Move to Corbeille; messages already in Corbeille are expunged."""
    trash = Folder.objects.get(mailbox=mailbox, special=Folder.Special.TRASH)
    in_trash = list(Message.objects.filter(mailbox=mailbox, pk__in=message_ids, folder=trash)
                    .values_list("pk", flat=True))
    others = [pk for pk in message_ids if pk not in set(in_trash)]
    count = do_move_messages(mailbox, others, trash) if others else 0
    return count + do_expunge(mailbox, in_trash)


def do_expunge(mailbox: Mailbox, message_ids: list[int]) -> int:
    """Remove copies for good. A content (and its blob) goes when its last
    copy goes; the blob is removed after the commit."""
    with transaction.atomic():
        rows = list(Message.objects.select_for_update().filter(mailbox=mailbox, pk__in=message_ids)
                    .values("pk", "folder_id", "size", "content_id"))
        if not rows:
            return 0
        Message.objects.filter(pk__in=[r["pk"] for r in rows]).delete()
        _recount({r["folder_id"] for r in rows})
        Mailbox.objects.filter(pk=mailbox.pk).update(used_bytes=F("used_bytes") - sum(r["size"] for r in rows))
        orphans = list(Content.objects.filter(pk__in={r["content_id"] for r in rows}, copies__isnull=True)
                       .values_list("pk", "sha256", "search_text"))
        for pk, _sha, text in orphans:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO mail_content_fts(mail_content_fts, rowid, search_text) "
                                   "VALUES ('delete', %s, %s)", [pk, text])
        Content.objects.filter(pk__in=[o[0] for o in orphans]).delete()
        refreshed = Mailbox.objects.select_related("staff").get(pk=mailbox.pk)
        if quota.warnings_to_reset(refreshed):
            Mailbox.objects.filter(pk=mailbox.pk).update(warned_percent=0)
        transaction.on_commit(lambda: [blobs.store().delete(sha) for _pk, sha, _t in orphans])
    return len(rows)


def do_empty_folder(mailbox: Mailbox, folder: Folder) -> int:
    ids = list(Message.objects.filter(mailbox=mailbox, folder=folder).values_list("pk", flat=True))
    total = 0
    for start in range(0, len(ids), 500):
        total += do_expunge(mailbox, ids[start:start + 500])
    return total


def purge_old_messages(days: int = PURGE_AFTER_DAYS) -> int:
    """Expunge what has been in Corbeille or Indésirables for more than
    ``days`` days (run by the worker)."""
    limit = timezone.now() - timedelta(days=days)
    total = 0
    for mailbox_id, in (Message.objects.filter(
            folder__special__in=[Folder.Special.TRASH, Folder.Special.JUNK], received_at__lt=limit)
            .values_list("mailbox_id").distinct()):
        mailbox = Mailbox.objects.get(pk=mailbox_id)
        ids = list(Message.objects.filter(mailbox=mailbox, received_at__lt=limit, folder__special__in=[
            Folder.Special.TRASH, Folder.Special.JUNK]).values_list("pk", flat=True)[:5000])
        total += do_expunge(mailbox, ids)
    return total


def check_counters(fix: bool = False) -> list[str]:
    """Compare every folder's and mailbox's counters with the rows; return
    the differences (and correct them with ``fix``)."""
    problems = []
    for folder in Folder.objects.select_related("mailbox__staff").iterator():
        stats = Message.objects.filter(folder=folder).aggregate(
            total=Count("id"), unread=Count("id", filter=Q(seen=False)), size=Sum("size"), uid=Count("uid"))
        real = (stats["total"], stats["unread"], stats["size"] or 0)
        kept = (folder.total, folder.unread, folder.size_bytes)
        if real != kept:
            problems.append(f"{folder.mailbox.staff.email} / {folder.name} : compteurs {kept} au lieu de {real}")
            if fix:
                Folder.objects.filter(pk=folder.pk).update(total=real[0], unread=real[1], size_bytes=real[2])
        highest = Message.objects.filter(folder=folder).order_by("-uid").values_list("uid", flat=True).first()
        if highest is not None and highest >= folder.uid_next:
            problems.append(f"{folder.mailbox.staff.email} / {folder.name} : UID suivant {folder.uid_next} "
                            f"≤ UID existant {highest}")
            if fix:
                Folder.objects.filter(pk=folder.pk).update(uid_next=highest + 1)
    for mailbox in Mailbox.objects.select_related("staff").iterator():
        real = Message.objects.filter(mailbox=mailbox).aggregate(size=Sum("size"))["size"] or 0
        if real != mailbox.used_bytes:
            problems.append(f"{mailbox.staff.email} : espace utilisé {mailbox.used_bytes} au lieu de {real}")
            if fix:
                Mailbox.objects.filter(pk=mailbox.pk).update(used_bytes=real)
    return problems


def one_line(value: str) -> str:
    """A header value on one line: the email library refuses CR, LF (and the
    other line breaks ``str.splitlines`` knows) in a header."""
    return " ".join(str(value).split())


def _compose(staff, *, to, cc, bcc, subject, body, attachments, original, keep_bcc=False, html="") -> bytes:
    # Whatever the caller passes (a draft is saved as typed), never a line
    # break in a header: the library would raise, and it would be an injection.
    to, cc, bcc = ([a for a in map(one_line, addresses) if a] for addresses in (to, cc, bcc))
    subject = one_line(subject)
    message = EmailMessage()
    message["From"] = formataddr((staff.get_full_name(), staff.email))
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if bcc and keep_bcc:  # only in a draft, never in what is sent
        message["Bcc"] = ", ".join(bcc)
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.localtime())
    message["Message-ID"] = make_msgid(domain=staff.academy.domain)
    if original is not None and original.content.message_id:
        message["In-Reply-To"] = original.content.message_id
        message["References"] = original.content.message_id
    message.set_content(body)
    if html:  # already sanitised by the caller; the text above is its plain alternative
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        if content_type == "message/rfc822" and _attach_message(message, data, filename):
            continue
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                               filename=filename)
    return message.as_bytes(policy=policy.SMTP)


def _attach_message(message: EmailMessage, data: bytes, filename: str) -> bool:
    """Attach a whole message as message/rfc822 (forward as attachment). RFC
    2046 §5.2.1 forbids base64 for this type, so the message is embedded as
    it is; False if it cannot be (then it goes as an opaque file)."""
    try:
        inner = email.message_from_bytes(data, policy=policy.default)
        message.add_attachment(inner, filename=filename)
        return True
    except Exception:  # noqa: BLE001 - hostile bytes: fall back to a plain attachment
        return False


def do_save_draft(staff, *, to, cc, bcc, subject, body, attachments=(), replaces: Message | None = None,
                  html: str = "") -> Message:
    """Save (or replace) a draft in Brouillons; it survives anything once
    this returns. ``html``: an optional formatted version of ``body``."""
    raw = _compose(staff, to=to, cc=cc, bcc=bcc, subject=subject, body=body, attachments=attachments,
                   original=None, keep_bcc=True, html=html)
    mailbox = mailbox_for(staff)
    with transaction.atomic():
        draft = store_copy(mailbox, Folder.objects.get(mailbox=mailbox, special=Folder.Special.DRAFTS),
                           content_for(raw), seen=True, draft=True)
        if replaces is not None and replaces.mailbox_id == mailbox.pk and replaces.draft:
            do_expunge(mailbox, [replaces.pk])
    return draft


def do_send(staff, *, to: list[str], cc: list[str], bcc: list[str], subject: str, body: str,
            attachments: list[tuple[str, str, bytes]] = (), reply_to: Message | None = None,
            forward_of: Message | None = None, draft: Message | None = None, html: str = "") -> Message:
    """Send a message written by ``staff``: local recipients get it at once,
    the others through the outbound queue; a copy goes to Envoyés; the
    message answered or forwarded is marked so. Bcc never appears in the
    headers. ``html``, when given, is sent as the alternative of ``body``
    (sanitised by the caller). Returns the copy in Envoyés."""
    raw = _compose(staff, to=to, cc=cc, bcc=bcc, subject=subject, body=body, attachments=attachments,
                   original=reply_to or forward_of, html=html)
    mailbox = mailbox_for(staff)
    with transaction.atomic():
        sending.send_message(raw, staff.email, to + cc + bcc, sender=staff)
        sent = store_copy(mailbox, Folder.objects.get(mailbox=mailbox, special=Folder.Special.SENT),
                          content_for(raw), seen=True)
        if reply_to is not None:
            do_set_flags(mailbox, [reply_to.pk], answered=True)
        if forward_of is not None:
            do_set_flags(mailbox, [forward_of.pk], forwarded=True)
        if draft is not None and draft.mailbox_id == mailbox.pk and draft.draft:
            do_expunge(mailbox, [draft.pk])
    return sent


def do_update_rules(mailbox: Mailbox, *, forward_to: str, forward_keep_copy: bool, vacation_enabled: bool,
                    vacation_start, vacation_end, vacation_subject: str, vacation_text: str,
                    signature: str = "") -> None:
    """Forwarding and absence reply of ``mailbox`` (validated by the caller).
    A new absence period answers every sender again."""
    with transaction.atomic():
        if vacation_enabled and not mailbox.vacation_enabled:
            mailbox.vacation_replies.all().delete()
        for name, value in {"forward_to": forward_to, "forward_keep_copy": forward_keep_copy or not forward_to,
                            "vacation_enabled": vacation_enabled, "vacation_start": vacation_start,
                            "vacation_end": vacation_end, "vacation_subject": vacation_subject,
                            "vacation_text": vacation_text, "signature": signature}.items():
            setattr(mailbox, name, value)
        mailbox.save(update_fields=["forward_to", "forward_keep_copy", "vacation_enabled", "vacation_start",
                                    "vacation_end", "vacation_subject", "vacation_text", "signature"])


FOLDER_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,100}$")


def _check_folder_name(mailbox: Mailbox, name: str, parent: Folder | None, exclude: Folder | None = None) -> str:
    name = " ".join(name.split())
    if not FOLDER_NAME.match(name):
        raise MailError("Le nom d'un dossier doit faire 1 à 100 caractères, sans « / » ni « \\ ».")
    siblings = Folder.objects.filter(mailbox=mailbox, parent=parent, name__iexact=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise MailError(f"Un dossier « {name} » existe déjà ici.")
    return name


def do_create_folder(mailbox: Mailbox, name: str, parent: Folder | None = None) -> Folder:
    if parent is not None and parent.mailbox_id != mailbox.pk:
        raise MailError("dossier d'une autre boîte")
    with transaction.atomic():
        return Folder.objects.create(mailbox=mailbox, parent=parent, name=_check_folder_name(mailbox, name, parent))


def do_rename_folder(mailbox: Mailbox, folder: Folder, name: str) -> Folder:
    if folder.special:
        raise MailError("Les dossiers de base ne peuvent pas être renommés.")
    with transaction.atomic():
        folder.name = _check_folder_name(mailbox, name, folder.parent, exclude=folder)
        folder.save(update_fields=["name"])
    return folder


def do_delete_folder(mailbox: Mailbox, folder: Folder) -> int:
    """Delete a custom folder and its sub-folders; their messages go to
    Corbeille. Returns how many messages were moved."""
    if folder.special or folder.mailbox_id != mailbox.pk:
        raise MailError("Les dossiers de base ne peuvent pas être supprimés.")
    with transaction.atomic():
        ids, stack = [], [folder]
        while stack:
            current = stack.pop()
            ids.append(current.pk)
            stack.extend(current.children.all())
        messages = list(Message.objects.filter(folder_id__in=ids).values_list("pk", flat=True))
        trash = Folder.objects.get(mailbox=mailbox, special=Folder.Special.TRASH)
        moved = do_move_messages(mailbox, messages, trash) if messages else 0
        Folder.objects.filter(pk__in=ids).delete()
    return moved


def _is_attachment(node) -> bool:
    if node.get_content_type() == "message/rfc822":
        return True
    if node.is_multipart():
        return False
    if node.get_content_disposition() == "attachment" or node.get_filename():
        return True
    return node.get_content_maintype() != "text"


def _drop_attachments(node, removed: list[tuple[str, int]]) -> None:
    """Remove the attachment parts under ``node``, noting (name, size)."""
    if not node.is_multipart() or node.get_content_type() == "message/rfc822":
        return
    kept = []
    for child in node.get_payload():
        if _is_attachment(child):
            try:
                size = len(child.as_bytes())
            except Exception:  # noqa: BLE001 - a broken part is removed all the same
                size = 0
            removed.append((child.get_filename() or child.get_content_type(), size))
        else:
            _drop_attachments(child, removed)
            kept.append(child)
    node.set_payload(kept)


def _add_note(node, note: str) -> None:
    """Append ``note`` to the first text/plain and text/html bodies (the
    reader shows one of them), or add it as a text part."""
    done = False
    for kind in ("plain", "html"):
        part = next((p for p in node.walk() if p.get_content_type() == f"text/{kind}"
                     and p.get_content_disposition() != "attachment"), None)
        if part is None:
            continue
        try:
            body = part.get_content()
        except Exception:  # noqa: BLE001 - undecodable body: leave it, add the note elsewhere
            continue
        addition = "\n\n" + note if kind == "plain" else "<p>" + html_escape(note) + "</p>"
        part.set_content(body.rstrip() + addition + "\n", subtype=kind)
        done = True
    if not done:
        node.attach(EmailMessage(policy=policy.default))
        node.get_payload()[-1].set_content(note + "\n")


def do_remove_attachments(mailbox: Mailbox, message: Message) -> Message:
    """Replace a copy of ``mailbox`` by the same message without its
    attachments: each becomes a short French note, the text and headers stay.
    The new copy gets a new UID in the same folder (IMAP: content changed)
    with the same flags; counters and quota follow (``store_copy`` then
    ``do_expunge``, one transaction). Raises MailError when there is nothing
    to remove."""
    if message.mailbox_id != mailbox.pk:
        raise MailError("message d'une autre boîte")
    raw = blobs.store().get(message.content.sha256)
    node = email.message_from_bytes(raw, policy=policy.default)
    removed: list[tuple[str, int]] = []
    _drop_attachments(node, removed)
    if not removed:
        raise MailError("Ce message n'a pas de pièce jointe à retirer.")
    today = timezone.localtime().strftime("%d/%m/%Y")
    _add_note(node, "\n".join(f"[Pièce jointe « {name} » ({max(1, size // 1024)} Ko) retirée le {today} pour "
                               "libérer de l'espace dans la boîte aux lettres.]" for name, size in removed))
    lighter = node.as_bytes(policy=policy.SMTP)
    with transaction.atomic():
        current = Message.objects.select_for_update().filter(pk=message.pk, mailbox=mailbox).first()
        if current is None:
            raise MailError("Ce message n'existe plus.")
        copy = store_copy(mailbox, current.folder, content_for(lighter), seen=current.seen, draft=current.draft,
                          received_at=current.received_at)
        Message.objects.filter(pk=copy.pk).update(flagged=current.flagged, answered=current.answered,
                                                  forwarded=current.forwarded)
        do_expunge(mailbox, [current.pk])
    return copy
