"""The organisation and its people: académies, départements, établissements,
support teams and staff accounts.

Only staff known to the académie have accounts (they arrive through
``calanque import-staff``); nobody signs up. A staff account is the Django user.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calanque.academy.identifiers import IDENTIFIER_PATTERN, UAI_PATTERN


class Academy(models.Model):
    class Accessibility(models.TextChoices):
        NONE = "non", _("non conforme")
        PARTIAL = "partiellement", _("partiellement conforme")
        FULL = "totalement", _("totalement conforme")

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("nom"), max_length=120)
    domain = models.CharField(_("domaine de messagerie"), max_length=253, unique=True)
    logo_text = models.CharField(
        _("texte du bloc-marque"),
        max_length=200,
        help_text=_("Une ligne par ligne affichée sous la Marianne, par exemple « Académie » puis « d'Aix-Marseille »."),
    )
    region = models.CharField(_("région académique"), max_length=120, blank=True)
    default_quota_mb = models.PositiveIntegerField(_("quota par défaut (Mo)"), default=2048)
    quota_refusal_permanent = models.BooleanField(
        _("refuser définitivement le courrier pour une boîte pleine"), default=False,
        help_text=_("Par défaut, le courrier est refusé temporairement (452) : le serveur de l'expéditeur "
                    "réessaie, ce qui laisse au destinataire le temps de faire de la place."),
    )
    max_recipients = models.PositiveIntegerField(
        _("destinataires au plus par message"), default=500,
        help_text=_("À, Copie et Copie cachée ensemble, pour un message écrit dans la messagerie."),
    )
    accessibility_status = models.CharField(
        _("état de conformité RGAA"), max_length=20, choices=Accessibility.choices, default=Accessibility.NONE
    )
    accessibility_contact = models.EmailField(
        _("adresse de signalement d'un défaut d'accessibilité"), blank=True
    )
    accessibility_declaration = models.TextField(_("déclaration d'accessibilité"), blank=True)
    legal_notice = models.TextField(_("mentions légales"), blank=True)
    charter_required = models.BooleanField(
        _("faire accepter la charte à la première connexion"), default=True,
    )
    charter_text = models.TextField(_("charte d'utilisation"), blank=True)
    password_min_length = models.PositiveSmallIntegerField(
        _("longueur minimale des mots de passe"), default=12, validators=[MinValueValidator(8), MaxValueValidator(64)],
    )
    password_require_composition = models.BooleanField(
        _("exiger lettres, chiffres et caractères spéciaux"), default=False,
        help_text=_("Règle de composition en plus de la longueur et de la liste des mots de passe courants."),
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        _("durée de validité des mots de passe (jours)"), default=0,
        help_text=_("0 : pas de changement périodique imposé (recommandation NIST/ANSSI)."),
    )
    activation_link_days = models.PositiveSmallIntegerField(
        _("validité des liens d'activation (jours)"), default=14, validators=[MinValueValidator(1)],
    )
    privacy_notice = models.TextField(_("données personnelles"), blank=True)

    class Meta:
        verbose_name = _("académie")
        verbose_name_plural = _("académies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def logo_lines(self):
        return [line for line in self.logo_text.splitlines() if line.strip()]


class Department(models.Model):
    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("nom"), max_length=120)

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"


class SupportTeam(models.Model):
    """A team that answers assistance requests: the Rectorat, a DSDEN, or the
    support of one établissement."""

    class Kind(models.TextChoices):
        RECTORAT = "rectorat", _("Rectorat")
        DSDEN = "dsden", _("DSDEN")
        ESTABLISHMENT = "etablissement", _("Établissement")

    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="support_teams")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=160)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="support_teams"
    )
    email = models.EmailField(_("adresse de l'équipe"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    hours = models.CharField(_("horaires"), max_length=120, blank=True,
                             help_text=_("Par exemple « du lundi au vendredi de 8 h à 17 h »."))
    postal_address = models.TextField(_("adresse postale"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="support_teams", verbose_name=_("agents")
    )

    class Meta:
        verbose_name = _("équipe d'assistance")
        verbose_name_plural = _("équipes d'assistance")
        ordering = ["academy", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["academy"], condition=models.Q(kind="rectorat"), name="one_rectorat_per_academy"
            ),
            models.UniqueConstraint(
                fields=["department"], condition=models.Q(kind="dsden"), name="one_dsden_per_department"
            ),
        ]

    def __str__(self):
        return self.name


class Establishment(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "ecole", _("École")
        COLLEGE = "college", _("Collège")
        LYCEE = "lycee", _("Lycée")
        VOCATIONAL = "lycee_pro", _("Lycée professionnel")
        SERVICE = "service", _("Service")

    uai = models.CharField(_("UAI"), max_length=8, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="establishments")
    city = models.CharField(_("commune"), max_length=120, blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True, help_text=_("Numéro et voie."))
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    support_team = models.ForeignKey(
        SupportTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="establishments",
        verbose_name=_("équipe d'assistance de l'établissement"),
    )

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["uai"]
        constraints = [
            models.CheckConstraint(condition=models.Q(uai__regex=UAI_PATTERN), name="uai_format"),
        ]

    def __str__(self):
        return f"{self.name} ({self.uai})"


class Degree(models.TextChoices):
    PRIMARY = "premier", _("premier degré")
    SECONDARY = "second", _("second degré")
    ADMINISTRATION = "administration", _("personnel administratif")


class StaffManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        email = self.normalize_email(email).lower()
        if "academy" not in fields and "academy_id" not in fields:
            fields["academy"] = Academy.objects.get(domain=email.rsplit("@", 1)[1])
        fields.setdefault("identifier", email.split("@", 1)[0])
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("degree", Degree.ADMINISTRATION)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class Staff(AbstractBaseUser, PermissionsMixin):
    """A member of the académie's staff, and the account they sign in with."""

    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="staff")
    identifier = models.CharField(_("identifiant"), max_length=64)
    email = models.EmailField(_("adresse académique"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    degree = models.CharField(_("degré"), max_length=20, choices=Degree.choices)
    function = models.CharField(_("fonction"), max_length=120, blank=True)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    recovery_email = models.EmailField(_("adresse de secours"), blank=True)
    numen_hash = models.CharField(
        _("empreinte du NUMEN"), max_length=64, null=True, blank=True, editable=False,
        help_text=_("HMAC-SHA256 du NUMEN ; le NUMEN lui-même n'est jamais conservé."),
    )
    quota_mb = models.PositiveIntegerField(_("quota (Mo)"))
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(
        _("accès à l'administration"), default=False,
        help_text=_("Peut se connecter à l'interface d'administration."),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    objects = StaffManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name", "quota_mb"]

    class Meta:
        verbose_name = _("personnel")
        verbose_name_plural = _("personnels")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["academy", "identifier"], name="unique_identifier_per_academy"),
            models.UniqueConstraint(fields=["academy", "numen_hash"], name="unique_numen_per_academy"),
            models.CheckConstraint(condition=models.Q(identifier__regex=IDENTIFIER_PATTERN), name="identifier_format"),
        ]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="staff_name_idx"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}"

    def get_short_name(self):
        return self.first_name

    @property
    def department(self):
        return self.establishment.department if self.establishment_id else None
