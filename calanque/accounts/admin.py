from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from dsfr.models import DsfrConfig

from calanque.accounts import actions
from calanque.accounts.models import AccountSecurity, AuditEvent
from calanque.core.clients import client_of

# The portal's look comes from the académie's settings, not django-dsfr's own.
admin.site.unregister(DsfrConfig)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "staff", "attempted_identifier", "ip", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["staff__identifier", "attempted_identifier", "ip"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountSecurity)
class AccountSecurityAdmin(admin.ModelAdmin):
    list_display = ["staff", "otp_activated_at", "charter_accepted_at", "recovery_email_verified"]
    search_fields = ["staff__identifier", "staff__last_name"]
    readonly_fields = ["staff", "otp_activated_at", "charter_accepted_at", "recovery_codes_seen_at",
                       "recovery_step_done_at", "recovery_email_verified", "password_changed_at"]
    exclude = ["otp_last_step"]
    actions = ["reset_otp"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Réinitialiser la clé OTP (identité vérifiée)"))
    def reset_otp(self, request, queryset):
        client = client_of(request)
        for security in queryset.select_related("staff"):
            actions.do_reset_otp(request.user, security.staff, client)
        messages.success(request, _("Clé(s) OTP réinitialisée(s) : une nouvelle activation sera demandée."))
