"""What several webmail test modules read pages and mailboxes with."""

import html

from calanque.mail.models import Message

HUGO = "hugo.bernard@ac-aix-marseille.fr"


def text(response) -> str:
    return html.unescape(response.content.decode())


def hugo_copies(subject):
    return Message.objects.filter(mailbox__staff__identifier="hugo.bernard", content__subject=subject)


def drafts(identifier="lea.garnier"):
    return Message.objects.filter(mailbox__staff__identifier=identifier, folder__special="drafts")
