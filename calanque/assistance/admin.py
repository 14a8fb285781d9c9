from django.contrib import admin

from calanque.assistance.models import (
    Article,
    CannedAnswer,
    ClosedDay,
    DeskSettings,
    Incident,
    OpeningHours,
    RoutingRule,
    ServiceLevel,
    TeamSettings,
    Ticket,
)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "category", "degree", "department", "establishment_kind", "team"]
    list_filter = ["academy"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "team", "status", "urgency", "created_at"]
    list_filter = ["status", "team", "category"]
    search_fields = ["subject", "claimed_identifier", "requester__identifier"]
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "establishment", "starts_at", "ends_at"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "state", "views", "helpful_yes", "helpful_no", "requests_avoided"]
    list_filter = ["state", "category"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["views", "helpful_yes", "helpful_no", "requests_avoided"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


class ServiceLevelInline(admin.TabularInline):
    model = ServiceLevel
    extra = 0
    max_num = 3


@admin.register(DeskSettings)
class DeskSettingsAdmin(admin.ModelAdmin):
    """Business hours, closed days and service levels of an académie. Without
    opening hours: Monday to Friday, 8 h–17 h; without a service level for an
    urgency: 4 h/16 h (bloquant), 8 h/40 h (normale), 16 h/80 h (peut attendre)."""

    list_display = ["academy", "public_holidays"]
    inlines = [OpeningHoursInline, ClosedDayInline, ServiceLevelInline]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "academy", "updated_at"]
    list_filter = ["academy", "team"]
    search_fields = ["title", "body"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(TeamSettings)
class TeamSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "new_request_notice"]
