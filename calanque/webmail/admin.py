from django.contrib import admin

from calanque.webmail.models import InstitutionalSignature


@admin.register(InstitutionalSignature)
class InstitutionalSignatureAdmin(admin.ModelAdmin):
    """The académie's signature model, offered to every person in compose
    and filled from the annuaire (a run-time policy: in the database, with
    this screen, per STYLE)."""

    list_display = ["academy", "enabled"]
    list_filter = ["enabled"]
