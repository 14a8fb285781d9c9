"""Loading many messages into one folder at once (benchmarks, migrations from
another server): the same rows as ``delivery.deliver`` + ``store_copy``,
written in batches.

For each message, exactly what delivery writes:

- the raw bytes in the blob store, durable (``blobs.store().put``) before any
  row refers to them;
- one ``Content`` per distinct blob, with the fields of
  ``delivery.prepare`` (what delivery itself writes) and its search entry
  (``search.add_to_index``); a blob already known is reused;
- one ``Message`` in the folder with the next UIDs, in the order given, the
  sort keys of ``delivery._sort_keys``, ``date = sent_at or received_at``;
- the folder's ``uid_next``, ``total``, ``unread``, ``size_bytes`` and the
  mailbox's ``used_bytes`` moved by the same amounts, in the same
  transaction as the rows of the batch;
- the quota warning, if one is due, after the batch (delivery checks after
  each message: the warning lands at the end of the batch instead).

What differs is only how: ``bulk_create`` per batch of a few thousand
messages in one transaction, and parsing in worker processes. The
equivalence is checked by ``tests/bench/test_bulk.py``.
"""

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from calanque.mail import blobs, delivery, search
from calanque.mail.models import Content, Folder, Mailbox, Message

BLOB_THREADS = 16


@dataclass
class Item:
    """One message to load: its bytes, whether it was read, and when it was
    received (default: now)."""

    raw: bytes
    seen: bool = False
    received_at: datetime | None = None


def content_fields(raw: bytes) -> dict:
    """The fields of the ``Content`` row that delivery creates for ``raw``
    (everything but the id): ``delivery.prepare``'s, with the blob's name."""
    return {"sha256": hashlib.sha256(raw).hexdigest(), **delivery.prepare(raw).fields}


def prepare(item: Item) -> tuple[Item, dict]:
    """``item`` with its content fields: the part of loading that needs no
    database (run it in worker processes to go faster)."""
    return item, content_fields(item.raw)


def load(folder: Folder, items: Iterable[Item], *, batch: int = 2000, processes: int = 1,
         progress: Callable[[int], None] | None = None) -> int:
    """Append ``items`` to ``folder`` (in order: UIDs grow with them).
    Returns the number of messages loaded. ``processes`` > 1 parses in that
    many forked worker processes."""
    if processes <= 1:
        return load_prepared(folder, map(prepare, items), batch=batch, progress=progress)
    with get_context("fork").Pool(processes) as pool:
        return load_prepared(folder, pool.imap(prepare, items, chunksize=64), batch=batch, progress=progress)


def load_prepared(folder: Folder, prepared: Iterable[tuple[Item, dict]], *, batch: int = 2000,
                  progress: Callable[[int], None] | None = None) -> int:
    """``load`` for items already through ``prepare``."""
    store = blobs.store()
    loaded = 0
    pending: list[tuple[Item, dict]] = []
    for entry in prepared:
        pending.append(entry)
        if len(pending) >= batch:
            loaded += _write(folder, store, pending)
            pending = []
            if progress:
                progress(loaded)
    if pending:
        loaded += _write(folder, store, pending)
        if progress:
            progress(loaded)
    return loaded


def _write(folder: Folder, store: blobs.BlobStore, entries: list[tuple[Item, dict]]) -> int:
    # Durable before any row refers to them. Each put waits for its fsyncs;
    # run side by side, they share the file system's journal commits.
    with ThreadPoolExecutor(BLOB_THREADS) as threads:
        digests = list(threads.map(store.put, [item.raw for item, _ in entries]))
    if digests != [fields["sha256"] for _, fields in entries]:
        raise RuntimeError("blob store returned another digest")
    with transaction.atomic():
        folder = Folder.objects.select_for_update().get(pk=folder.pk)
        mailbox = Mailbox.objects.get(pk=folder.mailbox_id)
        shas = {fields["sha256"] for _, fields in entries}
        known = {c.sha256: c for c in Content.objects.filter(sha256__in=shas)}
        new = {}
        for _, fields in entries:
            if fields["sha256"] not in known and fields["sha256"] not in new:
                new[fields["sha256"]] = Content(**fields)
        created = Content.objects.bulk_create(list(new.values()))
        if any(c.pk is None for c in created):  # backends that do not return ids
            created = list(Content.objects.filter(sha256__in=list(new)))
        for content in created:
            known[content.sha256] = content
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO mail_content_fts(rowid, search_text) VALUES (%s, %s)",
                                   [(c.pk, c.search_text) for c in created])
        else:
            for content in created:
                search.add_to_index(content.pk, content.search_text)
        now = timezone.now()
        rows, unread, size = [], 0, 0
        for offset, (item, fields) in enumerate(entries):
            content = known[fields["sha256"]]
            received = item.received_at or now
            rows.append(Message(
                mailbox=mailbox, folder=folder, uid=folder.uid_next + offset, content=content, received_at=received,
                date=content.sent_at or received, size=content.size, seen=item.seen, draft=False,
                has_attachments=content.has_attachments, **delivery._sort_keys(content),
            ))
            unread += 0 if item.seen else 1
            size += content.size
        Message.objects.bulk_create(rows)
        Folder.objects.filter(pk=folder.pk).update(
            uid_next=F("uid_next") + len(rows), total=F("total") + len(rows), unread=F("unread") + unread,
            size_bytes=F("size_bytes") + size,
        )
        Mailbox.objects.filter(pk=mailbox.pk).update(used_bytes=F("used_bytes") + size)
        if folder.special == Folder.Special.INBOX:
            delivery._warn_if_needed(mailbox, folder)
    return len(rows)
