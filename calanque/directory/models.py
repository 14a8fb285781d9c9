"""Personal contacts and their groups: each person's own address book, next
to the académie's annuaire (which is ``academy.Staff``).

A contact is either a colleague of the annuaire (``staff`` set: name,
function and établissement are read live from the directory) or an outside
address typed by hand. Nobody but the owner ever sees them
(``directory.access``).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_CONTACTS = 2000
MAX_GROUPS = 100
# « Écrire au groupe » puts every address in the compose link: 60 addresses
# keep it under gunicorn's 4 094-byte request line.
MAX_GROUP_MEMBERS = 60
NOTES_MAX = 2000


class Contact(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("personne de l'annuaire"),
    )
    name = models.CharField(_("nom"), max_length=200, blank=True)
    email = models.EmailField(_("adresse électronique"))
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX)
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    class Meta:
        verbose_name = _("contact personnel")
        verbose_name_plural = _("contacts personnels")
        ordering = [Lower("name"), "email"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "email"], name="one_contact_per_address"),
        ]

    def __str__(self):
        return f"{self.display_name} <{self.email}>"

    @property
    def display_name(self) -> str:
        if self.staff_id:
            return self.staff.get_full_name()
        return self.name or self.email


class ContactGroup(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_groups")
    name = models.CharField(_("nom du groupe"), max_length=100)
    # casefold() of the name: SQLite's LOWER() ignores accents' case (« É »)
    name_key = models.CharField(max_length=100, editable=False)
    members = models.ManyToManyField(Contact, blank=True, related_name="groups", verbose_name=_("membres"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("groupe de contacts")
        verbose_name_plural = _("groupes de contacts")
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name_key"], name="one_group_name_per_owner"),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def key_for(name: str) -> str:
        return name.casefold()[:100]
