"""Read paths of the mail domain."""

from dataclasses import dataclass
from datetime import datetime

from calanque.mail import blobs
from calanque.mail.delivery import SPECIAL_FOLDERS
from calanque.mail.models import Folder, Mailbox, Message, OutboundMessage
from calanque.mail.parsing import parse


@dataclass
class QueuedMail:
    to: str
    subject: str
    body: str
    created_at: datetime
    sent: bool


def demo_outbox_messages(limit: int = 30) -> list[QueuedMail]:
    """The last messages for outside addresses, with their text (the demo
    outbox page)."""
    out = []
    for row in OutboundMessage.objects.order_by("-created_at", "-id")[:limit]:
        try:
            body = parse(blobs.store().get(row.sha256)).text
        except OSError:
            body = ""
        out.append(QueuedMail(row.recipient, row.subject, body, row.created_at,
                              row.status == OutboundMessage.Status.SENT))
    return out


SORTS = {
    "date": ("-date", "-id"),
    "date_asc": ("date", "id"),
    "expediteur": ("sender_key", "-date", "-id"),
    "objet": ("subject_key", "-date", "-id"),
    "taille": ("-size", "-id"),
}
PAGE_SIZE = 50


@dataclass
class FolderNode:
    folder: Folder
    depth: int


def folder_tree(mailbox: Mailbox) -> list[FolderNode]:
    """Special folders first (in their usual order), then custom folders as a
    tree, alphabetically; counters come from the folder rows."""
    order = [s for s, _ in SPECIAL_FOLDERS]
    folders = list(Folder.objects.filter(mailbox=mailbox))
    children: dict[int | None, list[Folder]] = {}
    for folder in folders:
        children.setdefault(folder.parent_id, []).append(folder)
    top = sorted(children.get(None, []), key=lambda f: (order.index(f.special) if f.special else len(order),
                                                         f.name.lower()))
    out: list[FolderNode] = []

    def walk(folder: Folder, depth: int) -> None:
        out.append(FolderNode(folder, depth))
        for child in sorted(children.get(folder.pk, []), key=lambda f: f.name.lower()):
            walk(child, depth + 1)

    for folder in top:
        walk(folder, 0)
    return out


def list_messages(folder: Folder, *, sort: str = "date", page: int = 1, unread: bool = False,
                  flagged: bool = False, attachments: bool = False):
    """One page of ``folder``, served by the (folder, sort key, id) indexes;
    the count comes from the folder row unless a filter is applied."""
    messages = Message.objects.filter(folder=folder)
    if unread:
        messages = messages.filter(seen=False)
    if flagged:
        messages = messages.filter(flagged=True)
    if attachments:
        messages = messages.filter(has_attachments=True)
    filtered = unread or flagged or attachments
    total = (folder.unread if unread and not (flagged or attachments) else messages.count()) if filtered \
        else folder.total
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, page), pages)
    rows = list(messages.order_by(*SORTS.get(sort, SORTS["date"])).select_related("content")
                [(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    return rows, total, page, pages
