"""The rows of a message list (a folder, a conversation list, search
results), rendered once in Python.

A folder page shows 50 rows. Built in the template — a URL reversed, text
truncated, a date and a size formatted, a dozen variables resolved through
Django's template engine per row — they were most of the page's time. As
Django's admin does for its change list (``items_for_result``), each row is
built here: every value from the message goes through ``escape`` (the
standard library's, which Django's own calls), only the markup below is ours.
"""

from html import escape

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from calanque.mail.models import Message
from calanque.webmail.highlight import highlight

MARKER = 987654321


def shorten(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, the last one an ellipsis (what
    the ``truncatechars`` filter does)."""
    return text if len(text) <= length else text[:length - 1] + "…"


def rows(messages: list[Message], *, chosen: set[int] = frozenset(), query: str = "") -> list[SafeString]:
    """``messages`` (with their content) as the ``<tr>`` of the list; the
    words of ``query`` marked in subjects and previews."""
    no_subject = gettext("(sans objet)")
    # (gettext outside the f-strings: makemessages does not look inside them)
    flagged, unread_label, attachment_label = gettext("suivi"), gettext("Non lu :"), gettext("pièce jointe")
    flag = ('<span class="fr-icon-flag-fill fr-icon--sm" aria-hidden="true"></span>'
            f'<span class="fr-sr-only">{escape(flagged)}</span> ')
    unread_note = f'<span class="fr-sr-only">{escape(unread_label)} </span>'
    attachment = (' <span class="fr-icon-attachment-line fr-icon--sm" aria-hidden="true"></span>'
                  f'<span class="fr-sr-only">{escape(attachment_label)}</span>')
    in_conversation = escape(gettext("messages dans la conversation"))
    select = escape(gettext("Sélectionner"))
    months = [str(MONTHS_3[month]).title() for month in range(1, 13)]  # the « M » of the date filter
    # One reverse for the page: the URL of a message differs only by its id.
    head, _, tail = (escape(part) for part in reverse("webmail:message", args=[MARKER]).partition(str(MARKER)))

    def marked(text: str) -> str:
        return highlight(text, query) if query else escape(text)

    out = []
    for message in messages:
        content, pk, unread = message.content, int(message.pk), not message.seen
        subject = shorten(content.subject or no_subject, 90)
        count = getattr(message, "thread_count", 1)
        date = timezone.localtime(message.date)
        out.append(mark_safe(  # noqa: S308 - every value below is escaped or an integer
            f'<tr class="calanque-row{" calanque-unread" if unread else ""}"><td><input type="checkbox" name="ids"'
            f' value="{pk}" id="choix-{pk}"{" checked" if pk in chosen else ""} aria-label="{select}'
            f' {escape(subject)}"></td><td>{flag if message.flagged else ""}'
            f'{escape(shorten(content.from_name or content.from_address, 40))}</td>'
            f'<td>{unread_note if unread else ""}<a href="{head}{pk}{tail}" class="calanque-open">'
            f'{marked(subject)}</a>'
            + (f' <span class="fr-badge fr-badge--sm fr-badge--no-icon">{int(count)}<span class="fr-sr-only">'
               f' {in_conversation}</span></span>' if count > 1 else "")
            + f'{attachment if message.has_attachments else ""}<br><span class="fr-text--xs calanque-preview">'
            f'{marked(shorten(content.preview, 100))}</span></td>'
            f'<td>{date.day} {escape(months[date.month - 1])} {date.year} {date.hour:02d}:{date.minute:02d}</td>'
            f'<td class="calanque-narrow-hide">{escape(filesizeformat(message.size))}</td></tr>'))
    return out
