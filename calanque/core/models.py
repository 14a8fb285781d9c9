from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """A notification to an address, written in the same transaction as the
    change that causes it and delivered by `calanque worker` (durable: a
    crash after the commit loses nothing; a relay failure is retried)."""

    to = models.EmailField(_("destinataire"), max_length=254)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    send_after = models.DateTimeField(_("à envoyer après"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    failed_at = models.DateTimeField(_("abandonné le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "failed_at", "send_after"], name="outgoing_pending_idx")]

    def __str__(self):
        return f"{self.subject} → {self.to}"
