"""Read paths of the mail domain."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, CharField, Count, F, Max, Q, QuerySet, Value, When, Window
from django.db.models.functions import Cast, Concat

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
                  flagged: bool = False, attachments: bool = False, per_page: int = PAGE_SIZE):
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
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(max(1, page), pages)
    # The page's ids first, from the (folder, key, id) index alone, then
    # their rows: skipping with the join would read the content of every
    # skipped message (page 1,001 of a 100,000-message folder joins 50,000).
    start = (page - 1) * per_page
    ids = list(messages.order_by(*SORTS.get(sort, SORTS["date"])).values_list("id", flat=True)
               [start:start + per_page])
    return with_contents(ids), total, page, pages


def page_with_total(messages: QuerySet[Message], page: int, per_page: int) -> tuple[list[int], int, int, int]:
    """(ids of ``page``, number of all ``messages``, page, pages) in one
    query: the count is a window over the matches, so a search evaluates its
    words once, not once to count and once to list. A page past the end
    gives the last one."""
    page = max(1, page)
    start = (page - 1) * per_page
    found = list(messages.annotate(total=Window(Count("id"))).values_list("id", "total")[start:start + per_page])
    if not found and page > 1:
        last = max(1, (messages.count() + per_page - 1) // per_page)
        return page_with_total(messages, last, per_page) if last < page else ([], 0, 1, 1)
    total = found[0][1] if found else 0
    return [pk for pk, _ in found], total, page, max(1, (total + per_page - 1) // per_page)


def with_contents(ids: list[int]) -> list[Message]:
    """The messages ``ids`` with their content, in that order, for a list:
    the rows by primary key once the page's ids are known (sorting rows
    with their content would carry every candidate's text through the sort),
    without the search text that lists never show."""
    found = Message.objects.filter(pk__in=ids).select_related("content").defer("content__search_text").in_bulk()
    return [found[pk] for pk in ids if pk in found]  # one deleted meanwhile is simply left out


def largest_messages(mailbox: Mailbox, limit: int = 20) -> list[Message]:
    """The biggest copies of ``mailbox``, for the clean-up assistant."""
    return list(Message.objects.filter(mailbox=mailbox).order_by("-size", "-id").select_related("content", "folder")
                [:limit])


def folders_by_size(mailbox: Mailbox) -> list[Folder]:
    """Folders that take room, biggest first (from the counters, no count)."""
    return list(Folder.objects.filter(mailbox=mailbox, size_bytes__gt=0).order_by("-size_bytes", "name"))


def list_conversations(folder: Folder, *, page: int = 1, per_page: int = PAGE_SIZE, oldest_first: bool = False):
    """One page of ``folder`` grouped by conversation (the content's thread
    key; a message without one is its own conversation). Each row is the
    newest message of its conversation, with ``thread_count`` and
    ``thread_unread`` set. Unlike ``list_messages`` this groups the whole
    folder for every page: it is the optional view, not the default."""
    key = Case(When(content__thread_key="", then=Concat(Value("m"), Cast("id", CharField()))),
               default=F("content__thread_key"), output_field=CharField())
    groups = (Message.objects.filter(folder=folder).annotate(conversation=key).values("conversation")
              .annotate(last_date=Max("date"), last_id=Max("id"), n=Count("id"),
                        unread=Count("id", filter=Q(seen=False))))
    total = groups.count()
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(max(1, page), pages)
    order = ("last_date", "last_id") if oldest_first else ("-last_date", "-last_id")
    chunk = list(groups.order_by(*order)[(page - 1) * per_page: page * per_page])
    groups = {g["last_id"]: g for g in chunk}
    rows = with_contents(list(groups))
    for message in rows:
        message.thread_count, message.thread_unread = groups[message.pk]["n"], groups[message.pk]["unread"]
    return rows, total, page, pages
