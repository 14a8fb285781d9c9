from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calanque.mail.models import Mailbox, OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """The outbound queue, as administrators follow it."""

    list_display = ["created_at", "recipient", "subject", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "created_at"]
    search_fields = ["recipient", "mail_from", "subject"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Réessayer maintenant"))
    def retry_now(self, request, queryset):
        count = queryset.filter(status=OutboundMessage.Status.QUEUED).update(next_attempt_at=timezone.now(),
                                                                             claimed_until=None)
        self.message_user(request, _("%(n)d message(s) remis en tête de file.") % {"n": count})


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["staff", "used_bytes", "forward_to", "vacation_enabled"]
    search_fields = ["staff__identifier", "staff__last_name"]
    readonly_fields = ["staff", "used_bytes", "warned_percent", "created_at"]
