"""The words of a search marked in what the list shows (subject, preview).

A word is marked when its stem is one of the query's stems, so that
« réunions » is marked for « reunion », as the search found it. The text is
escaped first; only the ``<mark>`` tags are ours.
"""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from calanque.mail.search import stems

WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    """The stem of one word (the same words come back row after row)."""
    found = stems(word, limit=1)
    return found[0] if found else ""


def highlight(text: str, query: str) -> SafeString:
    terms = stems(query, limit=12)
    if not text or not terms:
        return escape(text or "")
    wanted, prefix = set(terms), terms[-1]  # the last word is searched as a prefix
    out, last = [], 0
    for match in WORD.finditer(text):
        stem = _stem(match.group(0))
        if stem and (stem in wanted or stem.startswith(prefix)):
            out.append(escape(text[last:match.start()]))
            out.append("<mark>" + escape(match.group(0)) + "</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
