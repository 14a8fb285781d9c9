"""Requests for help (tickets), their messages, files and history, and the
routing rules that send each request to one support team."""

from django.conf import settings
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

    def __str__(self):
        return self.title
