"""One access helper per resource: the only way views reach a user's mail
(404 for anything that is not theirs)."""

from django.http import Http404

from calanque.mail.delivery import mailbox_for
from calanque.mail.models import Folder, Mailbox, Message
from calanque.webmail.models import Signature


def get_mailbox_for_user(user) -> Mailbox:
    return mailbox_for(user)


def get_folder_for_user(user, folder_id) -> Folder:
    folder = Folder.objects.filter(pk=folder_id, mailbox__staff=user).select_related("mailbox").first()
    if folder is None:
        raise Http404
    folder.mailbox.staff = user
    return folder


def get_message_for_user(user, message_id) -> Message:
    message = (Message.objects.filter(pk=message_id, mailbox__staff=user)
               .select_related("content", "folder", "mailbox").first())
    if message is None:
        raise Http404
    message.mailbox.staff = user
    return message


def get_message_ids_for_user(user, values: list[str]) -> list[int]:
    """The ids among ``values`` that name messages of ``user``."""
    ids = [int(v) for v in values if v.isdigit()][:500]
    return list(Message.objects.filter(pk__in=ids, mailbox__staff=user).values_list("pk", flat=True))


def get_signature_for_user(user, signature_id) -> Signature:
    found = Signature.objects.filter(pk=signature_id, staff=user).first()
    if found is None:
        raise Http404
    return found


def get_draft_for_user(user, value) -> Message | None:
    """The user's draft named by ``value``, or None when it no longer exists
    (sent or deleted in another tab): compose then starts afresh, never 404."""
    if not str(value or "").isdigit():
        return None
    return Message.objects.filter(pk=int(value), mailbox__staff=user, draft=True).select_related("content").first()
