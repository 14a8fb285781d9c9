"""The mail store: mailboxes, folders, message copies and their shared content.

- ``Content``: one row per distinct raw message (the blob's SHA-256), with what
  was parsed once from it. A circular sent to 5,000 staff is one Content.
- ``Message``: one row per copy in a folder; sort keys copied from the content
  so that every listing is served by an index on (folder, key, id).
- ``Folder``: per-folder UID that only grows, and the counters (total,
  unread, size) updated in the same transaction as the copies they count.
- ``Mailbox``: per account; quota usage, and the forwarding and vacation rules.

Only ``mail.actions`` and ``mail.delivery`` write these rows.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Mailbox(models.Model):
    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox")
    used_bytes = models.BigIntegerField(_("espace utilisé (octets)"), default=0)
    # Highest quota warning already sent (0, 80 or 95), so each is sent once.
    warned_percent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    forward_to = models.TextField(_("transférer à"), blank=True, help_text=_("Adresses séparées par des virgules."))
    forward_keep_copy = models.BooleanField(_("garder une copie"), default=True)
    vacation_enabled = models.BooleanField(_("répondeur d'absence activé"), default=False)
    vacation_start = models.DateField(_("début de l'absence"), null=True, blank=True)
    vacation_end = models.DateField(_("fin de l'absence"), null=True, blank=True)
    vacation_subject = models.CharField(_("objet de la réponse"), max_length=200, blank=True)
    vacation_text = models.TextField(_("texte de la réponse"), blank=True)
    signature = models.TextField(_("signature"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("boîte aux lettres")
        verbose_name_plural = _("boîtes aux lettres")

    def __str__(self):
        return self.staff.email

    @property
    def quota_bytes(self) -> int:
        return self.staff.quota_mb * 1024 * 1024


class Folder(models.Model):
    class Special(models.TextChoices):
        INBOX = "inbox", _("Réception")
        SENT = "sent", _("Envoyés")
        DRAFTS = "drafts", _("Brouillons")
        TRASH = "trash", _("Corbeille")
        JUNK = "junk", _("Indésirables")
        ARCHIVE = "archive", _("Archives")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    name = models.CharField(_("nom"), max_length=200)
    special = models.CharField(max_length=10, choices=Special.choices, blank=True)
    uid_next = models.PositiveBigIntegerField(default=1)
    total = models.PositiveIntegerField(default=0)
    unread = models.PositiveIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("dossier")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "parent", "name"], name="unique_folder_name"),
            models.UniqueConstraint(fields=["mailbox", "special"], condition=~models.Q(special=""),
                                    name="one_special_folder_each"),
        ]

    def __str__(self):
        return self.name


class Content(models.Model):
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    subject = models.CharField(max_length=500, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    to_text = models.TextField(blank=True)
    cc_text = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=500, blank=True)
    thread_key = models.CharField(max_length=64, blank=True, db_index=True)
    has_attachments = models.BooleanField(default=False)
    preview = models.CharField(max_length=200, blank=True)
    # Stems of subject, people, body text and attachment names (search.py):
    # what both search backends index, so they give the same results.
    search_text = models.TextField(blank=True)
    parse_problem = models.CharField(max_length=200, blank=True)


class Message(models.Model):
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="messages")
    uid = models.PositiveBigIntegerField()
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="copies")
    received_at = models.DateTimeField(default=timezone.now)
    # Sort keys, copied from the content so that listings never join.
    date = models.DateTimeField()
    size = models.PositiveIntegerField()
    sender_key = models.CharField(max_length=200, blank=True)
    subject_key = models.CharField(max_length=200, blank=True)
    seen = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    answered = models.BooleanField(default=False)
    forwarded = models.BooleanField(default=False)
    draft = models.BooleanField(default=False)
    has_attachments = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["folder", "uid"], name="unique_uid_per_folder")]
        indexes = [
            models.Index(fields=["folder", "-date", "-id"], name="msg_folder_date"),
            models.Index(fields=["folder", "seen", "-date", "-id"], name="msg_folder_unread"),
            models.Index(fields=["folder", "sender_key", "-date", "-id"], name="msg_folder_sender"),
            models.Index(fields=["folder", "subject_key", "-date", "-id"], name="msg_folder_subject"),
            models.Index(fields=["folder", "size", "-id"], name="msg_folder_size"),
            # Search: the copies of the matching contents, with the date that
            # orders them, from the index alone (no row read per match).
            models.Index(fields=["mailbox", "content", "date", "id"], name="msg_mailbox_content_date"),
        ]


class VacationReply(models.Model):
    """When an absence reply last went to a sender (RFC 3834: not more than
    once per sender per 7 days)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="vacation_replies")
    sender = models.CharField(max_length=320)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "sender"], name="one_vacation_reply_row")]


class OutboundMessage(models.Model):
    """Mail for an address outside the académie, waiting for the relay.
    One row per recipient; the bytes are in the blob store."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec définitif")

    sha256 = models.CharField(max_length=64)
    mail_from = models.CharField(_("expéditeur (enveloppe)"), max_length=320, blank=True)
    recipient = models.CharField(_("destinataire"), max_length=320)
    subject = models.CharField(_("objet"), max_length=200, blank=True)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", help_text=_("Compte qui reçoit l'avis de non-remise."))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message sortant")
        verbose_name_plural = _("file d'envoi")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx")]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"
