"""Admin screens, scoped by the same access rules as every other interface."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenProxy  # type: ignore[attr-defined]

from langso.core import access
from langso.core.models import (
    Commune,
    Department,
    HistoryEvent,
    Household,
    HouseholdMember,
    Membership,
    Person,
    Province,
    User,
    Village,
)


class TenantAdmin(admin.ModelAdmin):
    """Read-only admin whose rows come from ``access.scope``: staff see only their communes.

    Writes go through the staff screens and the API, which call the services (permission
    checks, validation, history); a generic admin form would bypass all three.
    """

    view_permission = "commune.view"

    def get_queryset(self, request: HttpRequest) -> Any:
        return access.scope(super().get_queryset(request), request.user, self.view_permission)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.can(request.user, self.view_permission)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.can(request.user, self.view_permission, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# TOTP devices are enrolled from the account page and API tokens through the API; their
# stock admin screens skip our tenancy checks (the TOTP one even fails on a missing id).
# TokenProxy comes from DRF's admin module (so its registration has run before we undo it);
# the stubs declare it only in rest_framework.authtoken.models, hence the ignore above.
for _model in (TOTPDevice, TokenProxy):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["name"]


@admin.register(Commune)
class CommuneAdmin(TenantAdmin):
    list_display = ["code", "name", "province", "is_active"]
    list_filter = ["is_active", "province"]
    search_fields = ["name", "codename"]


@admin.register(Village)
class VillageAdmin(TenantAdmin):
    view_permission = "village.view"
    list_display = ["name", "kind", "commune"]
    exclude = ["name_key", "sort_key"]


@admin.register(Department)
class DepartmentAdmin(TenantAdmin):
    list_display = ["name", "kind", "commune"]


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Person)
class PersonAdmin(TenantAdmin):
    view_permission = "people.view"
    list_display = ["full_name", "date_of_birth", "village", "commune"]
    search_fields = ["name_key", "citizen_id"]
    raw_id_fields = ["user"]


@admin.register(Household)
class HouseholdAdmin(TenantAdmin):
    view_permission = "people.view"
    list_display = ["address", "village", "commune"]
    inlines = [HouseholdMemberInline]


@admin.register(HistoryEvent)
class HistoryEventAdmin(TenantAdmin):
    view_permission = "history.view"
    list_display = ["seq", "at", "commune", "actor_label", "action", "object_repr",
                    "from_state", "to_state"]
    list_filter = ["action"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "kind", "phone", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["username", "full_name", "phone", "email"]
    inlines = [MembershipInline]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Làng Số", {"fields": ("kind", "full_name", "phone")}),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        communes = access.communes_for(request.user, "staff.manage")
        return users.filter(memberships__commune__in=communes).distinct()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.can(request.user, "staff.manage")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.can(request.user, "staff.manage")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
