from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from calanque.academy.models import Academy, Department, Establishment, Staff, SupportTeam
from calanque.accounts.recovery import do_send_activation_link, do_set_password
from calanque.core.clients import Client, client_of


@admin.register(Academy)
class AcademyAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "accessibility_status"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "academy"]


@admin.register(SupportTeam)
class SupportTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "academy", "department"]
    list_filter = ["academy", "kind"]
    filter_horizontal = ["members"]
    search_fields = ["name"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["uai", "name", "kind", "department", "city", "support_team"]
    list_filter = ["kind", "department"]
    search_fields = ["uai", "name", "city"]
    autocomplete_fields = ["support_team"]


class StaffPasswordForm(AdminPasswordChangeForm):
    """An administrator setting a password goes through the same action as
    everybody: other sessions end, links die, the audit log says who."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("usable_password", True) else None
        if password is None:
            return super().save(commit)
        do_set_password(self.user, password, Client(None, "administration"))
        return self.user


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    change_password_form = StaffPasswordForm
    actions = ["send_activation_link"]

    @admin.action(description=_("Envoyer un lien d'activation à l'adresse de secours"))
    def send_activation_link(self, request, queryset):
        client = client_of(request)
        sent = [s for s in queryset if do_send_activation_link(request.user, s, client,
                                                               base_url=request.build_absolute_uri("/"))]
        self.message_user(request, _("%(n)d lien(s) envoyé(s) ; %(m)d compte(s) sans adresse de secours.")
                          % {"n": len(sent), "m": queryset.count() - len(sent)})

    ordering = ["last_name", "first_name"]
    list_display = ["identifier", "last_name", "first_name", "degree", "establishment", "is_active"]
    list_filter = ["academy", "degree", "is_active", "is_staff", "establishment__department"]
    search_fields = ["identifier", "last_name", "first_name", "email"]
    autocomplete_fields = ["establishment"]
    readonly_fields = ["created_at", "updated_at", "last_login"]

    def get_readonly_fields(self, request, obj=None):
        # The identifier is the mail address: fixed once the account exists.
        return self.readonly_fields + (["academy", "identifier", "email"] if obj else [])
    fieldsets = [
        (None, {"fields": ["academy", "identifier", "email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "degree", "function", "establishment", "recovery_email"]}),
        ("Compte", {"fields": ["is_active", "quota_mb", "created_at", "updated_at", "last_login"]}),
        ("Droits", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["academy", "identifier", "email", "first_name", "last_name", "degree", "quota_mb",
                           "establishment", "usable_password", "password1", "password2"]}),
    ]
