from django.contrib import admin

from calanque.assistance.models import Article, Incident, RoutingRule, Ticket


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
