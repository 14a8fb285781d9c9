"""Writes of the webmail's own state (preferences, signatures, trusted
senders, held sends). Mail itself is written by ``calanque.mail.actions``."""

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from calanque.core import clock
from calanque.mail import actions as mail_actions
from calanque.mail import reading
from calanque.mail.models import Folder, Message
from calanque.webmail import richtext
from calanque.webmail.models import (
    HeldSend,
    InstitutionalSignature,
    Preferences,
    SendToken,
    Signature,
    TrustedSender,
)

log = logging.getLogger("calanque.webmail")

SIGNATURE_SEPARATOR = "\n\n-- \n"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class WebmailError(Exception):
    pass


class AlreadySent(WebmailError):
    pass


def _now() -> datetime:
    """The project's clock seam (tests move it instead of sleeping)."""
    return datetime.fromtimestamp(clock.now(), tz=UTC)


def preferences_for(staff) -> Preferences:
    """The account's webmail preferences, created on first use; kept on
    ``staff`` (the request's user) so that a page reads them once."""
    found = getattr(staff, "_webmail_preferences", None)
    if found is not None:
        return found
    found = Preferences.objects.filter(staff=staff).first()
    if found is None:
        try:
            with transaction.atomic():
                found = Preferences.objects.create(staff=staff)
        except IntegrityError:  # created meanwhile by another request
            found = Preferences.objects.get(staff=staff)
    staff._webmail_preferences = found
    return found


def do_set_signature_complement(staff, text: str) -> None:
    prefs = preferences_for(staff)
    prefs.signature_complement = "\n".join(line.strip() for line in text.strip().splitlines())[:500]
    prefs.save(update_fields=["signature_complement"])


def do_update_preferences(staff, **values) -> Preferences:
    prefs = preferences_for(staff)
    fields = [name for name in ("undo_seconds", "per_page", "mark_read_on_open", "conversations", "remote_images")
              if name in values]
    for name in fields:
        setattr(prefs, name, values[name])
    prefs.full_clean()
    prefs.save(update_fields=fields)
    return prefs


# Signatures ---------------------------------------------------------------

def institutional_text(staff) -> str:
    """The académie's signature filled from the directory ("" if none).
    Only ``{word}`` placeholders are replaced (no attribute access): the
    template comes from an administrator, the values from the directory."""
    model = InstitutionalSignature.objects.filter(academy_id=staff.academy_id, enabled=True).first()
    if model is None:
        return ""
    establishment = staff.establishment
    values = {"prenom": staff.first_name, "nom": staff.last_name, "fonction": staff.function,
              "etablissement": establishment.name if establishment else "",
              "commune": establishment.city if establishment else "", "courriel": staff.email,
              "academie": staff.academy.name, "complement": preferences_for(staff).signature_complement.strip()}
    lines = []
    for line in model.template.splitlines():
        if line.strip() == "{complement}":  # a line of its own: the person's lines, as written
            lines.extend(values["complement"].splitlines())
        else:
            flat = {**values, "complement": " ".join(values["complement"].split())}
            lines.append(PLACEHOLDER.sub(lambda m, flat=flat: flat.get(m.group(1), ""), line))
    # A line left with only punctuation (e.g. " — " without établissement) is dropped.
    return "\n".join(line.strip(" —-,") if not re.search(r"\w", line) else line.strip()
                     for line in lines if re.search(r"\w", line)).strip()


@dataclass
class SignatureChoice:
    key: str  # "" (none), "s<id>", "academie"
    label: str
    text: str


def signature_choices(staff) -> tuple[list[SignatureChoice], str]:
    """The signatures offered in compose and the key of the default one."""
    choices = [SignatureChoice("", "", "")]
    default = ""
    for signature in Signature.objects.filter(staff=staff):
        choices.append(SignatureChoice(f"s{signature.pk}", signature.name, signature.text))
        if signature.is_default:
            default = f"s{signature.pk}"
    institutional = institutional_text(staff)
    if institutional:
        choices.append(SignatureChoice("academie", "", institutional))
    return choices, default


def with_signature(body: str, signature_text: str) -> str:
    return body.rstrip() + SIGNATURE_SEPARATOR + signature_text if signature_text else body


def do_save_signature(staff, signature: Signature | None, *, name: str, text: str, is_default: bool) -> Signature:
    name = " ".join(name.split())[:80]
    if not name or not text.strip():
        raise WebmailError("Indiquez un nom et un texte.")
    with transaction.atomic():
        if Signature.objects.filter(staff=staff, name__iexact=name).exclude(
                pk=signature.pk if signature else None).exists():
            raise WebmailError(f"Vous avez déjà une signature « {name} ».")
        if is_default:
            Signature.objects.filter(staff=staff, is_default=True).update(is_default=False)
        if signature is None:
            signature = Signature(staff=staff)
        signature.name, signature.text, signature.is_default = name, text.strip()[:2000], is_default
        signature.save()
    return signature


def do_delete_signature(staff, signature: Signature) -> None:
    Signature.objects.filter(staff=staff, pk=signature.pk).delete()


# Remote images ---------------------------------------------------------------

def do_trust_sender(staff, address: str) -> None:
    address = address.strip().lower()[:320]
    if address:
        TrustedSender.objects.get_or_create(staff=staff, address=address)


def do_untrust_sender(staff, address: str) -> None:
    TrustedSender.objects.filter(staff=staff, address=address.strip().lower()).delete()


def trusts(staff, address: str) -> bool:
    return bool(address) and TrustedSender.objects.filter(staff=staff, address=address.lower()).exists()


# « Annuler l'envoi » -----------------------------------------------------------

def do_hold_send(staff, *, seconds: int, to, cc, bcc, subject, body, attachments, reply_to=None, forward_of=None,
                 draft=None, html="") -> HeldSend:
    """Keep the message as a draft for ``seconds`` before sending it. The
    draft and the row that will send it are committed together."""
    with transaction.atomic():
        held_draft = mail_actions.do_save_draft(staff, to=to, cc=cc, bcc=bcc, subject=subject, body=body,
                                                attachments=attachments, replaces=draft, html=html)
        return HeldSend.objects.create(
            staff=staff, draft=held_draft, send_after=_now() + timedelta(seconds=seconds),
            reply_to_id=reply_to.pk if reply_to else None, forward_of_id=forward_of.pk if forward_of else None)


def do_send_once(staff, token: str, *, seconds: int, **fields) -> None:
    """« Envoyer »: the page's ``token`` is claimed in the database in the
    same transaction as the send (held or at once), so that it sends once
    whatever the web process, and a failed send leaves the token free.
    Raises AlreadySent. An empty token (an older page) is not checked."""
    with transaction.atomic():
        if token:
            SendToken.objects.filter(staff=staff, created_at__lt=_now() - timedelta(days=1)).delete()
            try:
                with transaction.atomic():
                    SendToken.objects.create(staff=staff, token=token[:64], created_at=_now())
            except IntegrityError:
                raise AlreadySent from None
        if seconds:
            do_hold_send(staff, seconds=seconds, **fields)
        else:
            mail_actions.do_send(staff, **fields)


@dataclass
class Cancelled:
    draft: Message
    reply_to_id: int | None
    forward_of_id: int | None


def do_cancel_held_send(staff, held_id: int) -> Cancelled | None:
    """Stop a held message; None when it has already left."""
    with transaction.atomic():
        held = HeldSend.objects.select_for_update().filter(pk=held_id, staff=staff).select_related("draft").first()
        if held is None:
            return None
        cancelled = Cancelled(held.draft, held.reply_to_id, held.forward_of_id)
        held.delete()
    return cancelled


def do_cancel_held_for(staff, message_ids) -> int:
    """Deleting or moving a held message stops it: the user no longer wants
    it in Brouillons, so it must not leave either. Same row lock as a
    release: if the release won, the draft is gone and nothing is moved."""
    with transaction.atomic():
        held = list(HeldSend.objects.select_for_update().filter(staff=staff, draft_id__in=list(message_ids))
                    .values_list("pk", flat=True))
        HeldSend.objects.filter(pk__in=held).delete()
    return len(held)


def is_held(message: Message) -> bool:
    return HeldSend.objects.filter(draft_id=message.pk).exists()


def draft_attachments(draft: Message, parts=None) -> list[tuple[str, str, bytes]]:
    """(filename, type, bytes) of the attachments of ``draft`` (only those at
    ``parts`` when given), to carry them into the next draft or the sent
    message."""
    shown = reading.read(draft)
    out = []
    for attachment in shown.attachments:
        if attachment.inline or (parts is not None and attachment.part not in parts):
            continue
        found = reading.attachment_bytes(draft, attachment.part)
        if found is not None:
            out.append((attachment.filename or "piece-jointe", attachment.content_type, found[1]))
    return out


def _send_held(held: HeldSend) -> None:
    draft = held.draft
    if draft.folder.special != Folder.Special.DRAFTS:
        # Moved out of Brouillons by another way than the webmail's actions
        # (which cancel): the user took it back, it does not leave.
        held.delete()
        return
    parsed = reading.read(draft).parsed
    originals = {m.pk: m for m in Message.objects.filter(
        mailbox__staff=held.staff, pk__in=[i for i in (held.reply_to_id, held.forward_of_id) if i])}
    attachments = draft_attachments(draft)
    staff = held.staff
    held.delete()
    mail_actions.do_send(staff, to=[a for _n, a in parsed.to], cc=[a for _n, a in parsed.cc],
                         bcc=[a for _n, a in parsed.bcc], subject=parsed.subject, body=parsed.text.rstrip("\n"),
                         attachments=attachments, reply_to=originals.get(held.reply_to_id),
                         forward_of=originals.get(held.forward_of_id), draft=draft, html=richtext.clean(parsed.html))


def release_due_sends(staff=None, limit: int = 200) -> int:
    """Send the held messages whose time has come (the worker calls this,
    and so does the sender's next page, whichever comes first). Each is
    sent in its own transaction, under a row lock, so that a cancel and
    two releasers never both win."""
    due = HeldSend.objects.filter(send_after__lte=_now())
    if staff is not None:
        due = due.filter(staff=staff)
    sent = 0
    for held_id in list(due.order_by("send_after").values_list("pk", flat=True)[:limit]):
        try:
            with transaction.atomic():
                held = (HeldSend.objects.select_for_update(skip_locked=True).filter(pk=held_id)
                        .select_related("staff", "draft__content", "draft__folder").first())
                if held is None:
                    continue
                _send_held(held)
                sent += 1
        except Exception:  # noqa: BLE001 - one broken message must not block the others
            log.exception("envoi différé %s impossible", held_id)
    return sent


def held_for(staff) -> list[HeldSend]:
    """The user's messages still in their « Annuler l'envoi » window, each
    with ``remaining`` seconds (for the countdown, immune to the browser's
    clock being off), after sending those whose time has come (so that they
    leave even when no worker runs). One query when none is due."""
    now = _now()
    held = list(HeldSend.objects.filter(staff=staff).select_related("draft__content").order_by("send_after"))
    if any(item.send_after <= now for item in held):
        release_due_sends(staff=staff)
        held = [item for item in held if item.send_after > now]
    for item in held:
        item.remaining = max(0, math.ceil((item.send_after - now).total_seconds()))
    return held
