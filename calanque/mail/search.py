"""Full-text search of mail, in French, on SQLite and PostgreSQL alike.

Words are folded (case, accents, ligatures) and stemmed with the Snowball
French stemmer in Python, at index and at query time; the stems are stored in
``Content.search_text``. SQLite indexes them with FTS5, PostgreSQL with a GIN
index on ``to_tsvector('simple', search_text)``. Because the language work is
done once, in Python, both engines return the same messages: ``reunion``
finds « Réunion », ``enseignants`` finds « enseignant ».

``search_messages`` is the one function callers use.
"""

import re
from functools import lru_cache

import Stemmer
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from calanque.academy.identifiers import fold
from calanque.mail.models import Message

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORD = 40
MAX_INDEXED_WORDS = 20_000


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("french", 50_000)


def stems(text: str, limit: int = MAX_INDEXED_WORDS) -> list[str]:
    words = [w for w in WORD.findall(fold(text)) if len(w) <= MAX_WORD][:limit]
    return _stemmer().stemWords([w.replace("_", "") or w for w in words])


def index_text(*parts: str) -> str:
    """The distinct stems of ``parts``, in order of first appearance: the
    search matches words, not phrases, and results are sorted by date, so a
    word repeated adds nothing but bytes (a third to a half of mail text)."""
    return " ".join(dict.fromkeys(stems(" ".join(p for p in parts if p))))


def _query_terms(query: str) -> list[str]:
    return [t for t in stems(query, limit=12) if t.isalnum()]


def search_messages(mailbox, query: str, *, folder=None, sender: str = "", recipient: str = "", date_from=None,
                    date_to=None, unread: bool = False, has_attachments: bool = False) -> QuerySet[Message]:
    """The messages of ``mailbox`` whose subject, people, body text or
    attachment names contain every word of ``query`` (the last one as a
    prefix, so that results come while typing), newest first, with the
    filters applied. An empty query matches nothing."""
    terms = _query_terms(query)
    if not terms:
        return Message.objects.none()
    if connection.vendor == "postgresql":
        expression = " & ".join(terms[:-1] + [terms[-1] + ":*"])
        matching = RawSQL("SELECT id FROM mail_content WHERE to_tsvector('simple', search_text) "
                          "@@ to_tsquery('simple', %s)", [expression])
    else:
        expression = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        matching = RawSQL("SELECT rowid FROM mail_content_fts WHERE mail_content_fts MATCH %s", [expression])
    messages = Message.objects.filter(mailbox=mailbox, content_id__in=matching)
    if folder is not None:
        messages = messages.filter(folder=folder)
    if sender:  # the name shown or the address
        messages = messages.filter(Q(sender_key__icontains=fold(sender))
                                   | Q(content__from_address__icontains=sender.strip().lower()))
    if recipient:  # To or Cc, as written in the headers
        messages = messages.filter(Q(content__to_text__icontains=recipient.strip())
                                   | Q(content__cc_text__icontains=recipient.strip()))
    if date_from:
        messages = messages.filter(date__gte=date_from)
    if date_to:
        messages = messages.filter(date__lt=date_to)
    if unread:
        messages = messages.filter(seen=False)
    if has_attachments:
        messages = messages.filter(has_attachments=True)
    return messages.order_by("-date", "-id")


def add_to_index(content_id: int, search_text: str) -> None:
    """Index a new content (same transaction as its row). PostgreSQL's
    expression index follows the row by itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO mail_content_fts(rowid, search_text) VALUES (%s, %s)",
                           [content_id, search_text])
