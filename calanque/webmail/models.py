"""What the webmail keeps per user beside the mail store: display
preferences, signatures, senders whose remote images are always shown, and
messages held during the « Annuler l'envoi » window.

The mail store itself (``calanque.mail``) knows nothing of these; only
``webmail.actions`` writes them.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calanque.academy.models import Academy
from calanque.mail.models import Message

UNDO_CHOICES = [(0, _("aucun délai")), (5, _("5 secondes")), (10, _("10 secondes")), (20, _("20 secondes")),
                (30, _("30 secondes"))]
PER_PAGE_CHOICES = [(25, "25"), (50, "50"), (100, "100")]


class Preferences(models.Model):
    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="webmail_preferences")
    undo_seconds = models.PositiveSmallIntegerField(_("délai pour annuler l'envoi"), default=10,
                                                    choices=UNDO_CHOICES, validators=[MaxValueValidator(30)])
    per_page = models.PositiveSmallIntegerField(_("messages par page"), default=50, choices=PER_PAGE_CHOICES)
    mark_read_on_open = models.BooleanField(_("marquer comme lu à l'ouverture"), default=True)
    conversations = models.BooleanField(_("regrouper par conversation"), default=False)
    # The part of the académie's signature that the person writes ({complement}).
    signature_complement = models.TextField(_("complément de la signature de l'académie"), blank=True,
                                            max_length=500)
    remote_images = models.CharField(_("images distantes"), max_length=10, default="demander", choices=[
        ("demander", _("les bloquer, sauf pour les expéditeurs choisis")),
        ("academie", _("les afficher pour les messages de l'académie, les bloquer pour les autres")),
    ])

    class Meta:
        verbose_name = _("préférences de messagerie")
        verbose_name_plural = _("préférences de messagerie")


class Signature(models.Model):
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signatures")
    name = models.CharField(_("nom"), max_length=80)
    text = models.TextField(_("texte"), max_length=2000)
    is_default = models.BooleanField(_("par défaut"), default=False)

    class Meta:
        verbose_name = _("signature")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "name"], name="unique_signature_name"),
            models.UniqueConstraint(fields=["staff"], condition=models.Q(is_default=True),
                                    name="one_default_signature"),
        ]

    def __str__(self):
        return self.name


class InstitutionalSignature(models.Model):
    """The académie's signature model, offered to everyone in compose and
    filled from the directory, so that every signature is correct and
    accessible (real text). Placeholders: {prenom} {nom} {fonction}
    {etablissement} {commune} {courriel} {academie} — the locked part — and
    {complement}, the lines each person writes (telephone, hours…)."""

    academy = models.OneToOneField(Academy, on_delete=models.CASCADE, related_name="institutional_signature")
    enabled = models.BooleanField(_("proposée aux personnels"), default=True)
    template = models.TextField(
        _("modèle"), max_length=2000,
        default="{prenom} {nom}\n{fonction}\n{etablissement} — {commune}\n{academie}\n{courriel}\n{complement}",
        help_text=_("Champs remplis depuis l'annuaire : {prenom} {nom} {fonction} {etablissement} {commune} "
                    "{courriel} {academie}. {complement} : les lignes que chaque personne écrit elle-même."))

    class Meta:
        verbose_name = _("signature institutionnelle")
        verbose_name_plural = _("signatures institutionnelles")

    def __str__(self):
        return str(self.academy)


class TrustedSender(models.Model):
    """A sender whose remote images this user always wants to see."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_senders")
    address = models.CharField(_("adresse"), max_length=320)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["address"]
        constraints = [models.UniqueConstraint(fields=["staff", "address"], name="unique_trusted_sender")]


class HeldSend(models.Model):
    """A message the user sent, kept as a draft in Brouillons until
    ``send_after`` so that « Annuler l'envoi » can still stop it. Committed
    before the user sees « Message envoyé », so a crash loses nothing: the
    worker (or the user's next page) sends it once the time has passed."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_sends")
    draft = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="held_send")
    send_after = models.DateTimeField(db_index=True)
    # Plain ids: the original may be deleted meanwhile, which must not stop the send.
    reply_to_id = models.BigIntegerField(null=True, blank=True)
    forward_of_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class SendToken(models.Model):
    """The token of a compose page, claimed in the same transaction as the
    send: a second « Envoyer » of the same page (double click without
    JavaScript, another web process) hits the unique constraint and sends
    nothing; a send that fails rolls the claim back with it."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "token"], name="one_send_per_compose_page")]
