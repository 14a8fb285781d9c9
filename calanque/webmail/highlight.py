"""The words of a search marked in what the list shows (subject, preview).

A word is marked when its stem is one of the query's stems, so that
« réunions » is marked for « reunion », as the search found it. The text is
escaped first; only the ``<mark>`` tags are ours.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from calanque.mail.search import stems

WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, query: str) -> SafeString:
    terms = stems(query, limit=12)
    if not text or not terms:
        return escape(text or "")
    wanted, prefix = set(terms), terms[-1]  # the last word is searched as a prefix
    out, last = [], 0
    for match in WORD.finditer(text):
        stem = stems(match.group(0), limit=1)
        if stem and (stem[0] in wanted or stem[0].startswith(prefix)):
            out.append(escape(text[last:match.start()]))
            out.append("<mark>" + escape(match.group(0)) + "</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
