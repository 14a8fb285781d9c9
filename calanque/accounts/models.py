"""Sign-in state of a staff account: second factor, recovery codes, first
sign-in progress, open sessions and the audit log.

Only ``accounts.actions`` writes these rows.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountSecurity(models.Model):
    """One per staff account, created on first use."""

    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security")
    # TOTP secrets, encrypted with CALANQUE_OTP_KEY (Fernet). ``otp_key`` is the
    # active one; ``otp_pending_key`` exists only during an activation and
    # becomes active after one correct code, so a key is never half-activated.
    otp_key = models.BinaryField(null=True, editable=False)
    otp_pending_key = models.BinaryField(null=True, editable=False)
    otp_activated_at = models.DateTimeField(_("clé OTP activée le"), null=True, blank=True)
    # The last TOTP time step accepted: a code is refused in a step already used.
    otp_last_step = models.BigIntegerField(default=0)
    charter_accepted_at = models.DateTimeField(_("charte acceptée le"), null=True, blank=True)
    recovery_codes_seen_at = models.DateTimeField(_("codes de secours enregistrés le"), null=True, blank=True)
    recovery_step_done_at = models.DateTimeField(_("adresse de secours confirmée le"), null=True, blank=True)
    recovery_email_verified = models.EmailField(_("adresse de secours vérifiée"), blank=True)
    password_changed_at = models.DateTimeField(_("mot de passe changé le"), null=True, blank=True)
    # Part of every reset/activation link: bumped by each new link and by each
    # password change, so that only the latest link works, and only once.
    link_serial = models.PositiveIntegerField(default=0)
    password_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sécurité du compte")
        verbose_name_plural = _("sécurité des comptes")

    def __str__(self):
        return str(self.staff)

    @property
    def otp_active(self) -> bool:
        return self.otp_key is not None


class RecoveryCode(models.Model):
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    # HMAC-SHA256 of the normalised code: codes carry 50 random bits, so a fast
    # keyed hash is enough (unlike passwords, they cannot be guessed offline).
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["staff", "code_hash"])]


class UserSession(models.Model):
    """A signed-in browser session, so that a user can see and end them."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        SIGNIN_SUCCESS = "signin_success", _("Connexion réussie")
        SIGNIN_FAILURE = "signin_failure", _("Échec de connexion")
        OTP_FAILURE = "otp_failure", _("Code à usage unique refusé")
        LOCKOUT = "lockout", _("Blocage temporaire après trop d'échecs")
        OTP_ACTIVATED = "otp_activated", _("Clé OTP activée")
        OTP_RESET = "otp_reset", _("Clé OTP réinitialisée")
        RECOVERY_CODE_USED = "recovery_code_used", _("Code de secours utilisé")
        RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Codes de secours régénérés")
        PASSWORD_CHANGED = "password_changed", _("Mot de passe changé")
        CHARTER_ACCEPTED = "charter_accepted", _("Charte acceptée")
        RECOVERY_EMAIL_VERIFIED = "recovery_email_verified", _("Adresse de secours vérifiée")
        SIGNOUT = "signout", _("Déconnexion")
        SIGNOUT_OTHERS = "signout_others", _("Déconnexion des autres sessions")
        SESSION_EXPIRED = "session_expired", _("Session expirée")
        RESET_REQUESTED = "reset_requested", _("Demande de réinitialisation du mot de passe")
        RESET_THROTTLED = "reset_throttled", _("Demandes de réinitialisation trop nombreuses")
        IDENTIFIER_REMINDER = "identifier_reminder", _("Rappel d'identifiant demandé")
        ACTIVATION_SENT = "activation_sent", _("Lien d'activation envoyé")
        LINK_REFUSED = "link_refused", _("Lien de réinitialisation refusé")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    kind = models.CharField(_("événement"), max_length=40, choices=Kind.choices)
    # What was typed in the identifier field when no account matched: lets
    # support see attempts on mistyped identifiers. Never a password or code.
    attempted_identifier = models.CharField(_("identifiant saisi"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    detail = models.CharField(_("détail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("événement de sécurité")
        verbose_name_plural = _("journal de sécurité")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["staff", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.staff or self.attempted_identifier}"

    @property
    def is_failure(self) -> bool:
        return self.kind in (self.Kind.SIGNIN_FAILURE, self.Kind.OTP_FAILURE, self.Kind.LOCKOUT)


class RecoveryRequest(models.Model):
    """A forgotten-password or forgotten-identifier request, answered by the
    worker. The web request only writes this row, whatever was typed, so that
    the response time says nothing about the account."""

    class Kind(models.TextChoices):
        PASSWORD = "password", _("mot de passe oublié")
        IDENTIFIER = "identifier", _("identifiant oublié")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    academy = models.ForeignKey("academy.Academy", on_delete=models.CASCADE, null=True, blank=True)
    address = models.EmailField(blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    base_url = models.CharField(max_length=300)
    throttled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["processed_at", "created_at"], name="recovery_pending_idx")]
