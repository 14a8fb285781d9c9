"""Requests for help (tickets), their messages, files and history, and the
routing rules that send each request to one support team."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calanque.academy.models import Academy, Degree, Department, Establishment, SupportTeam


class Category(models.TextChoices):
    SIGNIN = "connexion", _("Connexion et mot de passe")
    OTP = "otp", _("Clé OTP")
    MAIL = "messagerie", _("Messagerie")
    QUOTA = "boite_pleine", _("Boîte pleine")
    DIRECTORY = "annuaire", _("Annuaire")
    OTHER = "autre", _("Autre")


class Urgency(models.TextChoices):
    LOW = "basse", _("Peut attendre")
    NORMAL = "normale", _("Normale")
    HIGH = "haute", _("Bloquant pour mon travail")


class Status(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    OPEN = "en_cours", _("En cours")
    WAITING = "attente", _("En attente de l'usager")
    RESOLVED = "resolu", _("Résolu")
    CLOSED = "clos", _("Clos")


class RoutingRule(models.Model):
    """Sends matching requests to a team, before the default routing.
    Empty criteria match everything; the lowest position wins."""

    academy = models.ForeignKey(Academy, on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveSmallIntegerField(_("ordre"), default=10)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices, blank=True)
    degree = models.CharField(_("degré"), max_length=20, choices=Degree.choices, blank=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True,
                                   verbose_name=_("département"))
    establishment_kind = models.CharField(_("type d'établissement"), max_length=20,
                                          choices=Establishment.Kind.choices, blank=True)
    team = models.ForeignKey(SupportTeam, on_delete=models.CASCADE, verbose_name=_("équipe"))

    class Meta:
        verbose_name = _("règle d'orientation")
        verbose_name_plural = _("règles d'orientation")
        ordering = ["academy", "position", "id"]

    def __str__(self):
        return f"{self.position} → {self.team}"


class Ticket(models.Model):
    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="tickets")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="tickets")
    # For requests filed without signing in (the account may not be known).
    claimed_identifier = models.CharField(_("identifiant indiqué"), max_length=254, blank=True)
    contact_email = models.EmailField(_("adresse de contact"), blank=True)
    identity_to_check = models.BooleanField(_("identité à vérifier"), default=False)
    numen_matches = models.BooleanField(_("NUMEN concordant"), null=True, blank=True)
    team = models.ForeignKey(SupportTeam, on_delete=models.PROTECT, related_name="tickets")
    routing_reason = models.CharField(_("raison de l'orientation"), max_length=300)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices)
    urgency = models.CharField(_("urgence"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    subject = models.CharField(_("titre"), max_length=200)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_tickets", verbose_name=_("agent"))
    technical_context = models.JSONField(_("contexte technique"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("mise à jour le"), default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Service levels (business hours of the académie, see sla.py). The
    # resolution deadline moves later by the business time spent waiting for
    # the requester (``sla_paused_at`` is set while the status is « en attente »).
    first_response_due = models.DateTimeField(_("première réponse attendue avant"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("résolution attendue avant"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'assistance")
        verbose_name_plural = _("demandes d'assistance")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["team", "status", "-updated_at"], name="ticket_queue_idx")]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def reference(self) -> str:
        return f"DEM-{self.pk:06d}"

    def first_response_late(self, now) -> bool:
        if self.first_response_due is None:
            return False
        if self.first_response_at is None and self.status in (Status.RESOLVED, Status.CLOSED):
            return self.resolved_at is not None and self.resolved_at > self.first_response_due
        return (self.first_response_at or now) > self.first_response_due

    def resolution_late(self, now) -> bool:
        if self.resolution_due is None:
            return False
        if self.status in (Status.RESOLVED, Status.CLOSED):
            return self.resolved_at is not None and self.resolved_at > self.resolution_due
        return (self.sla_paused_at or now) > self.resolution_due

    @property
    def next_due(self):
        """The deadline the team works against now: the first response until
        there is one, then the resolution."""
        return self.first_response_due if self.first_response_at is None else self.resolution_due

    def sla_breached(self, now) -> bool:
        return self.first_response_late(now) or self.resolution_late(now)


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("note interne"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class TicketFile(models.Model):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)


class TicketEvent(models.Model):
    """The request's history: routing, moves, status changes, identity actions."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Incident(models.Model):
    """A current disruption, shown on top of the assistance page to the
    people it concerns (the whole académie, a département or an établissement)."""

    academy = models.ForeignKey(Academy, on_delete=models.CASCADE, related_name="incidents")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True)
    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, null=True, blank=True)
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("détail"), blank=True)
    starts_at = models.DateTimeField(_("début"), default=timezone.now)
    ends_at = models.DateTimeField(_("fin prévue"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("incident en cours")
        verbose_name_plural = _("incidents")
        ordering = ["-starts_at"]


class Article(models.Model):
    """A knowledge-base article (Markdown, sanitised when rendered)."""

    class State(models.TextChoices):
        DRAFT = "brouillon", _("brouillon")
        PUBLISHED = "publie", _("publié")

    slug = models.SlugField(unique=True, max_length=100)
    title = models.CharField(_("titre"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices)
    body = models.TextField(_("texte (Markdown)"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PUBLISHED)
    views = models.PositiveIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(_("« m'a aidé »"), default=0)
    helpful_no = models.PositiveIntegerField(_("« ne m'a pas aidé »"), default=0)
    requests_avoided = models.PositiveIntegerField(
        _("demandes évitées"), default=0,
        help_text=_("Ouvert depuis le formulaire de demande, qui n'a pas été envoyé ensuite."))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article d'aide")
        verbose_name_plural = _("articles d'aide")
        ordering = ["category", "title"]
        permissions = [("edit_help", _("Rédiger les articles d'aide et les réponses types de l'académie"))]

    def __str__(self):
        return self.title


# --- Agents' desk: service levels, business hours, canned answers, notifications ---

class DeskSettings(models.Model):
    """The business calendar and service levels of an académie's assistance.
    Without opening hours, Monday to Friday 8 h–17 h applies; without a
    target for an urgency, the default targets of ``sla.DEFAULT_TARGETS``."""

    academy = models.OneToOneField(Academy, on_delete=models.CASCADE, related_name="desk_settings",
                                   verbose_name=_("académie"))
    public_holidays = models.BooleanField(
        _("fermé les jours fériés"), default=True,
        help_text=_("Les onze jours fériés de la métropole, calculés chaque année (Pâques compris)."))
    close_after_days = models.PositiveSmallIntegerField(
        _("clore les demandes résolues après (jours)"), default=7, validators=[MinValueValidator(1)],
        help_text=_("Une demande résolue sans nouvelle réponse de l'usager est close après ce délai."))

    class Meta:
        verbose_name = _("réglages de l'assistance")
        verbose_name_plural = _("réglages de l'assistance")

    def __str__(self):
        return str(self.academy)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class OpeningHours(models.Model):
    """One opening interval of a weekday (heure de Paris)."""

    settings = models.ForeignKey(DeskSettings, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("ouverture"))
    closes = models.TimeField(_("fermeture"))

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(
            condition=models.Q(opens__lt=models.F("closes")), name="opening_before_closing",
            violation_error_message=_("L'heure d'ouverture doit précéder l'heure de fermeture."))]


class ClosedDay(models.Model):
    """A day without service besides the public holidays (pont, fermeture)."""

    settings = models.ForeignKey(DeskSettings, on_delete=models.CASCADE, related_name="closed_days")
    day = models.DateField(_("jour"))
    name = models.CharField(_("motif"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("jour de fermeture")
        verbose_name_plural = _("jours de fermeture")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["settings", "day"], name="one_closed_day_per_date",
                                               violation_error_message=_("Ce jour est déjà dans la liste."))]


class ServiceLevel(models.Model):
    """Time to first response and to resolution for one urgency, in
    business hours."""

    settings = models.ForeignKey(DeskSettings, on_delete=models.CASCADE, related_name="service_levels")
    urgency = models.CharField(_("urgence"), max_length=10, choices=Urgency.choices)
    first_response_hours = models.PositiveSmallIntegerField(_("première réponse (heures ouvrées)"))
    resolution_hours = models.PositiveSmallIntegerField(_("résolution (heures ouvrées)"))

    class Meta:
        verbose_name = _("engagement de service")
        verbose_name_plural = _("engagements de service")
        ordering = ["urgency"]
        constraints = [models.UniqueConstraint(
            fields=["settings", "urgency"], name="one_service_level_per_urgency",
            violation_error_message=_("Un seul engagement par urgence."))]


class CannedAnswer(models.Model):
    """A ready-made reply (réponse type), for one team or the whole académie
    (no team). Placeholders are replaced when it is inserted."""

    academy = models.ForeignKey(Academy, on_delete=models.CASCADE, related_name="canned_answers")
    team = models.ForeignKey(SupportTeam, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="canned_answers", verbose_name=_("équipe"))
    title = models.CharField(_("titre"), max_length=120)
    body = models.TextField(_("texte"), max_length=10000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ["title", "id"]

    def __str__(self):
        return self.title


class TeamNotice(models.TextChoices):
    OFF = "aucune", _("Aucune notification")
    TEAM_ADDRESS = "adresse", _("Un message à une adresse de l'équipe")
    AGENTS = "agents", _("Un message à chaque agent de l'équipe")


class TeamSettings(models.Model):
    """How a team hears of new requests (without a row: each agent). The
    team's own address receives requests; a notice goes to another one."""

    team = models.OneToOneField(SupportTeam, on_delete=models.CASCADE, related_name="desk_settings",
                                verbose_name=_("équipe"))
    new_request_notice = models.CharField(_("à chaque nouvelle demande"), max_length=10,
                                          choices=TeamNotice.choices, default=TeamNotice.AGENTS)
    address = models.EmailField(_("adresse à prévenir"), blank=True,
                                help_text=_("Une boîte fonctionnelle de l'équipe, autre que l'adresse qui reçoit "
                                            "les demandes."))

    class Meta:
        verbose_name = _("notifications d'une équipe")
        verbose_name_plural = _("notifications des équipes")

    def clean(self):
        from calanque.assistance.actions import receives_requests

        if self.new_request_notice == TeamNotice.TEAM_ADDRESS:
            if not self.address:
                raise ValidationError({"address": _("Indiquez l'adresse à prévenir.")})
            if receives_requests(self.address):
                raise ValidationError({"address": _("Cette adresse reçoit les demandes : une notification y "
                                                    "deviendrait une demande. Indiquez une autre adresse, ou "
                                                    "prévenez chaque agent.")})


class AgentPreferences(models.Model):
    """An agent's own notifications (without a row: both on)."""

    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="desk_preferences")
    new_requests = models.BooleanField(
        _("Recevoir un message pour chaque nouvelle demande de mes équipes"), default=True,
        help_text=_("Seulement si l'équipe a choisi d'écrire à chaque agent."))
    requester_replies = models.BooleanField(
        _("Recevoir un message quand l'usager répond à une demande que je suis"), default=True)

    class Meta:
        verbose_name = _("préférences d'un agent")
        verbose_name_plural = _("préférences des agents")
