"""The rows of a message list (a folder, a conversation list, search
results), rendered once in Python.

A folder page shows 50 rows. Built in the template — a URL reversed, text
truncated, a date and a size formatted, a dozen variables resolved through
Django's template engine per row — they were most of the page's time. As
Django's admin does for its change list (``items_for_result`` with
``format_html``), each row is one ``format_html`` here: every value is
escaped, only the markup below is ours.
"""

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from calanque.mail.models import Message
from calanque.webmail.highlight import highlight

ROW = ('<tr class="calanque-row{unread}"><td><input type="checkbox" name="ids" value="{pk}" id="choix-{pk}"{checked}'
       ' aria-label="{select} {label}"></td><td>{flag}{sender}</td><td>{unread_note}<a href="{url}"'
       ' class="calanque-open">{subject}</a>{count}{attachment}<br><span class="fr-text--xs calanque-preview">'
       '{preview}</span></td><td>{date}</td><td class="calanque-narrow-hide">{size}</td></tr>')
MARKER = 987654321


def shorten(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, the last one an ellipsis (what
    the ``truncatechars`` filter does)."""
    return text if len(text) <= length else text[:length - 1] + "…"


def rows(messages: list[Message], *, chosen: set[int] = frozenset(), query: str = "") -> list[SafeString]:
    """``messages`` (with their content) as the ``<tr>`` of the list; the
    words of ``query`` marked in subjects and previews."""
    no_subject = gettext("(sans objet)")
    flag = format_html('<span class="fr-icon-flag-fill fr-icon--sm" aria-hidden="true"></span>'
                       '<span class="fr-sr-only">{}</span> ', gettext("suivi"))
    unread_note = format_html('<span class="fr-sr-only">{} </span>', gettext("Non lu :"))
    attachment = format_html(' <span class="fr-icon-attachment-line fr-icon--sm" aria-hidden="true"></span>'
                             '<span class="fr-sr-only">{}</span>', gettext("pièce jointe"))
    in_conversation = gettext("messages dans la conversation")
    select = gettext("Sélectionner")
    # One reverse for the page: the URL of a message differs only by its id.
    head, _, tail = reverse("webmail:message", args=[MARKER]).partition(str(MARKER))

    def marked(text: str) -> SafeString:
        return highlight(text, query) if query else escape(text)

    out = []
    for message in messages:
        content = message.content
        subject = shorten(content.subject or no_subject, 90)
        count = getattr(message, "thread_count", 1)
        out.append(format_html(
            ROW, pk=message.pk, url=mark_safe(f"{head}{message.pk}{tail}"),  # noqa: S308 - our path and an integer
            unread="" if message.seen else " calanque-unread", checked=" checked" if message.pk in chosen else "",
            select=select, label=subject, flag=flag if message.flagged else "",
            sender=shorten(content.from_name or content.from_address, 40),
            unread_note="" if message.seen else unread_note, subject=marked(subject),
            count=format_html(' <span class="fr-badge fr-badge--sm fr-badge--no-icon">{}<span class="fr-sr-only"> {}'
                              '</span></span>', count, in_conversation) if count > 1 else "",
            attachment=attachment if message.has_attachments else "", preview=marked(shorten(content.preview, 100)),
            date=dateformat.format(timezone.localtime(message.date), "j M Y H:i"), size=filesizeformat(message.size),
        ))
    return out
