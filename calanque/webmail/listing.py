"""The rows of a message list (a folder, a conversation list, search
results), ready to print.

A folder page shows 50 rows. Computing every cell in the template — a URL
reversed, text truncated, a date and a size formatted per row, through
Django's variable resolution on model instances — was most of the page's
time. As Django's admin does for its change list (``items_for_result``),
the cells are computed here once, in plain Python; the template prints them.
"""

from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from calanque.mail.models import Message
from calanque.webmail.highlight import highlight


MARKER = 987654321


@dataclass(frozen=True)
class Row:
    pk: int
    url: str
    unread: bool
    flagged: bool
    chosen: bool
    sender: str
    label: str  # the subject as plain text (the checkbox's accessible name)
    subject: SafeString  # escaped, the searched words in <mark>
    preview: SafeString
    count: int  # messages in the conversation (1 outside the conversation view)
    attachments: bool
    date: str
    size: str


def shorten(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, the last one an ellipsis (what
    the ``truncatechars`` filter does)."""
    return text if len(text) <= length else text[:length - 1] + "…"


def rows(messages: list[Message], *, chosen: set[int] = frozenset(), query: str = "") -> list[Row]:
    """``messages`` (with their content) as list rows; the words of
    ``query`` marked in subjects and previews."""
    no_subject = gettext("(sans objet)")
    # One reverse for the page: the URL of a message differs only by its id.
    head, _, tail = reverse("webmail:message", args=[MARKER]).partition(str(MARKER))

    def marked(text: str) -> SafeString:
        return highlight(text, query) if query else escape(text)

    out = []
    for message in messages:
        content = message.content
        subject = shorten(content.subject or no_subject, 90)
        out.append(Row(
            pk=message.pk, url=f"{head}{message.pk}{tail}", unread=not message.seen,
            flagged=message.flagged, chosen=message.pk in chosen,
            sender=shorten(content.from_name or content.from_address, 40), label=subject,
            subject=marked(subject), preview=marked(shorten(content.preview, 100)),
            count=getattr(message, "thread_count", 1), attachments=message.has_attachments,
            date=dateformat.format(timezone.localtime(message.date), "j M Y H:i"), size=filesizeformat(message.size),
        ))
    return out
