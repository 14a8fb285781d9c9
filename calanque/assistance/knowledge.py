"""The knowledge base: rendering (Markdown → sanitised HTML), suggestions
while a request is typed (the French stems of mail search), and the counters
that tell the team which articles work."""

import markdown
import nh3
from django.db import transaction
from django.db.models import F

from calanque.assistance.models import Article
from calanque.mail.search import stems

TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "br", "hr"}


def render(article: Article) -> str:
    html = markdown.markdown(article.body, extensions=["sane_lists"])
    return nh3.clean(html, tags=TAGS, attributes={"a": {"href"}}, link_rel="noopener noreferrer")


def suggest(text: str, limit: int = 5) -> list[Article]:
    """Published articles sharing the most French stems with ``text`` (the
    title counts three times)."""
    wanted = set(stems(text, limit=30))
    if not wanted:
        return []
    scored = []
    for article in Article.objects.filter(state=Article.State.PUBLISHED):
        title, body = set(stems(article.title)), set(stems(article.body, limit=2000))
        score = 3 * len(wanted & title) + len(wanted & body)
        if score:
            scored.append((score, article.title, article))
    return [a for _s, _t, a in sorted(scored, key=lambda x: (-x[0], x[1]))[:limit]]


def record_view(article: Article, *, from_request_form: bool) -> None:
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


def record_vote(article: Article, helpful: bool, *, from_request_form: bool) -> None:
    """« Cet article vous a-t-il aidé ? » — a yes from the request form counts
    as a request avoided."""
    fields = {"helpful_yes": F("helpful_yes") + 1} if helpful else {"helpful_no": F("helpful_no") + 1}
    if helpful and from_request_form:
        fields["requests_avoided"] = F("requests_avoided") + 1
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(**fields)
