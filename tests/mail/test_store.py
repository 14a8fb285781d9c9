"""Operations on stored mail keep every counter right; `calanque mail check`
finds the differences when something went wrong."""

import io
import smtplib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from calanque.mail import actions, blobs
from calanque.mail.delivery import mailbox_for
from calanque.mail.models import Content, Folder, Mailbox, Message


def send(server, subject, to=("lea.garnier@ac-aix-marseille.fr",)):
    raw = (f"From: jean@example.com\r\nTo: {', '.join(to)}\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '-')}@example.com>\r\n\r\nCorps de {subject}\r\n").encode()
    with smtplib.SMTP(server.hostname, server.port, timeout=20) as client:
        client.sendmail("jean@example.com", list(to), raw)


def check() -> str:
    out = io.StringIO()
    call_command("mail", "check", stdout=out)
    return out.getvalue()


def folder(mailbox, special):
    return Folder.objects.get(mailbox=mailbox, special=special)


@pytest.fixture
def lea_mail(smtp_server):
    for n in range(5):
        send(smtp_server, f"Message {n}")
    mailbox = Mailbox.objects.get(staff__identifier="lea.garnier")
    return mailbox, list(Message.objects.filter(mailbox=mailbox).order_by("uid").values_list("pk", flat=True))


def test_flags_keep_the_unread_count_right(lea_mail):
    mailbox, ids = lea_mail
    actions.do_set_flags(mailbox, ids[:3], seen=True)
    actions.do_set_flags(mailbox, ids[:3], seen=True)  # twice: no double count
    actions.do_set_flags(mailbox, ids[:1], seen=False, flagged=True)
    inbox = folder(mailbox, "inbox")
    assert (inbox.total, inbox.unread) == (5, 3)
    assert Message.objects.get(pk=ids[0]).flagged
    assert check().strip() == "Compteurs corrects."


def test_moving_gives_new_uids_and_moves_the_counters(lea_mail):
    mailbox, ids = lea_mail
    archive = folder(mailbox, "archive")
    assert actions.do_move_messages(mailbox, ids[:2], archive) == 2
    inbox, archive = folder(mailbox, "inbox"), folder(mailbox, "archive")
    assert (inbox.total, archive.total) == (3, 2)
    assert sorted(Message.objects.filter(folder=archive).values_list("uid", flat=True)) == [1, 2]
    assert inbox.uid_next == 6  # UIDs are never reused
    assert check().strip() == "Compteurs corrects."


def test_a_folder_of_another_mailbox_is_refused(lea_mail):
    mailbox, ids = lea_mail
    hugo = mailbox_for(mailbox.staff.__class__.objects.get(identifier="hugo.bernard"))
    with pytest.raises(actions.MailError):
        actions.do_move_messages(mailbox, ids, folder(hugo, "inbox"))


def test_delete_goes_to_corbeille_then_expunges_and_frees_the_quota(lea_mail):
    mailbox, ids = lea_mail
    used = Mailbox.objects.get(pk=mailbox.pk).used_bytes
    actions.do_delete_messages(mailbox, ids[:2])
    assert folder(mailbox, "trash").total == 2
    assert Mailbox.objects.get(pk=mailbox.pk).used_bytes == used
    actions.do_empty_folder(mailbox, folder(mailbox, "trash"))
    assert folder(mailbox, "trash").total == 0
    assert Mailbox.objects.get(pk=mailbox.pk).used_bytes < used
    assert Content.objects.count() == 3
    assert check().strip() == "Compteurs corrects."


def test_a_shared_content_lives_until_its_last_copy_goes(smtp_server):
    send(smtp_server, "Circulaire", to=("lea.garnier@ac-aix-marseille.fr", "hugo.bernard@ac-aix-marseille.fr"))
    content = Content.objects.get()
    lea, hugo = (Mailbox.objects.get(staff__identifier=i) for i in ("lea.garnier", "hugo.bernard"))
    actions.do_expunge(lea, list(Message.objects.filter(mailbox=lea).values_list("pk", flat=True)))
    assert blobs.store().exists(content.sha256)
    actions.do_expunge(hugo, list(Message.objects.filter(mailbox=hugo).values_list("pk", flat=True)))
    assert not Content.objects.exists()
    assert not blobs.store().exists(content.sha256)


def test_corbeille_and_indesirables_are_purged_after_30_days(lea_mail):
    mailbox, ids = lea_mail
    actions.do_delete_messages(mailbox, ids[:2])
    actions.do_move_messages(mailbox, ids[2:3], folder(mailbox, "junk"))
    Message.objects.filter(pk__in=ids[:1] + ids[2:3]).update(received_at=timezone.now() - timedelta(days=31))
    out = io.StringIO()
    call_command("mail", "purge", stdout=out)
    assert out.getvalue().startswith("2 message(s) supprimé(s)")
    assert Message.objects.filter(mailbox=mailbox).count() == 3
    assert check().strip() == "Compteurs corrects."


def test_mail_check_reports_and_fixes_wrong_counters(lea_mail):
    mailbox, _ids = lea_mail
    Folder.objects.filter(mailbox=mailbox, special="inbox").update(total=42, unread=0)
    Mailbox.objects.filter(pk=mailbox.pk).update(used_bytes=1)
    with pytest.raises(CommandError, match="2 écart"):
        check()
    out = io.StringIO()
    call_command("mail", "check", "--corriger", stdout=out)
    assert "lea.garnier@ac-aix-marseille.fr / Réception : compteurs (42, 0," in out.getvalue()
    assert check().strip() == "Compteurs corrects."
