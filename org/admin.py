"""Admin of the organisation and of people: units, memberships, users and groups, changed by the security
administrator only (三员分立, GB/T 22239-2019 8.1.4.2), every change audited; and the admin base classes the other
apps use."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet, model_to_dict

from core import audit
from core.http import client_ip
from org.access import access_for, duty_conflict, held_duties
from org.models import Membership, Unit


class AuditedAdmin(admin.ModelAdmin):
    """Setting changes made in the admin land on the audit trail like any other change."""

    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = model_to_dict(obj)
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            audit.record(
                request.user,
                "setting_change",
                obj,
                before={k: before.get(k) for k in changed},
                after=changed,
                ip=client_ip(request),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, "setting_delete", obj, before=model_to_dict(obj), ip=client_ip(request))
            super().delete_model(request, obj)


def staff(request):
    return request.user.is_active and request.user.is_staff


class SecurityAdminOnly:
    """Users, roles and clearances are the security administrator's, not the system administrator's
    (a superuser included) nor the auditor's."""

    def _security(self, request):
        return staff(request) and access_for(request.user).is_security_admin

    def has_module_permission(self, request):
        return self._security(request)

    def has_view_permission(self, request, obj=None):
        return self._security(request)

    def has_add_permission(self, request, *args):
        return self._security(request)

    def has_change_permission(self, request, obj=None):
        return self._security(request)

    def has_delete_permission(self, request, obj=None):
        return self._security(request)


def membership_snapshot(membership):
    return {
        "user": membership.user.get_username(),
        "unit": str(membership.unit),
        "role": membership.role,
        "title": membership.title,
        "phone": membership.phone,
        "is_active": membership.is_active,
    }


def record_role_change(request, membership, *, before=None, deleted=False):
    """Every role change, wherever it is made, lands on the append-only trail with before/after
    (GB/T 22239-2019 8.1.4.3 安全审计)."""
    after = {} if deleted else membership_snapshot(membership)
    if before == after:
        return
    audit.record(request.user, "role_change", membership, before=before or {}, after=after, ip=client_ip(request))


def _stored_membership(pk):
    row = Membership.objects.select_related("user", "unit").filter(pk=pk).first() if pk else None
    return membership_snapshot(row) if row else None


SELF_CHANGE = "不能变更本人的角色或权限，须由另一位安全管理员办理。"


def role_conflict(user, roles, *, excluding=()):
    """三员分立 for `user` ending up with `roles` besides their other active memberships (those in
    `excluding`, being edited, left out); "" when there is none."""
    return duty_conflict(held_duties(user, exclude_pks=excluding) | set(roles)) if user is not None else ""


class MembershipFormSet(BaseInlineFormSet):
    request = None  # set per request by MembershipInline.get_formset

    def clean(self):
        super().clean()
        roles_by_user = {}
        if isinstance(self.instance, get_user_model()):
            # On the user's page the instance carries the posted superuser flag: it counts as a duty too.
            roles_by_user[self.instance.pk] = (self.instance, set())
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("user"):
                continue
            user, roles = roles_by_user.setdefault(data["user"].pk, (data["user"], set()))
            if data.get("is_active"):
                roles.add(data.get("role"))
        edited = [f.instance.pk for f in self.forms if f.instance.pk]
        errors = {role_conflict(user, roles, excluding=edited) for user, roles in roles_by_user.values()} - {""}
        touched = {
            f.cleaned_data.get("user") for f in self.forms if f.has_changed() and getattr(f, "cleaned_data", None)
        }
        touched |= {f.instance.user for f in self.deleted_forms if f.instance.pk}
        if any(u is not None and u.pk == self.request.user.pk for u in touched):
            errors.add(SELF_CHANGE)
        if errors:
            raise ValidationError(sorted(errors))


class MembershipInline(SecurityAdminOnly, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["unit"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})


class RoleChangesAudited:
    """Saves a ModelAdmin's Membership inlines with one role_change record per changed row."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        before = {f.instance.pk: _stored_membership(f.instance.pk) for f in formset.forms if f.instance.pk}
        deleted = [(f.instance, before.get(f.instance.pk)) for f in formset.deleted_forms if f.instance.pk]
        super().save_formset(request, form, formset, change)
        for membership, snapshot in deleted:
            record_role_change(request, membership, before=snapshot, deleted=True)
        for membership in [*formset.changed_objects, *formset.new_objects]:
            if isinstance(membership, tuple):
                membership = membership[0]
            record_role_change(request, membership, before=before.get(membership.pk))


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "is_office", "is_active"]
    list_filter = ["kind", "is_active", "is_office"]
    search_fields = ["name", "code"]

    # The security administrator picks units when assigning roles (autocomplete), and changes none.
    def has_module_permission(self, request):
        return super().has_module_permission(request) or SecurityAdminOnly._security(self, request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or SecurityAdminOnly._security(self, request)


@admin.register(Membership)
class MembershipAdmin(SecurityAdminOnly, admin.ModelAdmin):
    list_display = ["user", "unit", "role", "title", "phone", "is_active"]
    list_filter = ["role", "is_active", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def clean(form_self):
            data = super(form, form_self).clean()
            user = data.get("user")
            roles = {data.get("role")} if data.get("is_active") else set()
            conflict = role_conflict(user, roles, excluding=[form_self.instance.pk])
            if conflict:
                form_self.add_error(None, conflict)
            if request.user.pk in {getattr(user, "pk", None), form_self.instance.user_id}:
                form_self.add_error(None, SELF_CHANGE)
            return data

        return type(form.__name__, (form,), {"clean": clean})

    def save_model(self, request, obj, form, change):
        before = _stored_membership(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        record_role_change(request, obj, before=before)

    def delete_model(self, request, obj):
        before = _stored_membership(obj.pk)
        super().delete_model(request, obj)
        record_role_change(request, obj, before=before, deleted=True)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "unit"):
            self.delete_model(request, membership)


class ReadOnlyWorkflowAdmin(admin.ModelAdmin):
    """Workflow records change only through the services, so the admin shows them read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()


PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def _user_snapshot(user: Any) -> dict[str, Any]:
    if user is None:
        return {}
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def _group_snapshot(group: Group | None) -> dict[str, Any]:
    if group is None:
        return {}
    return {"name": group.name, "permissions": sorted(group.permissions.values_list("codename", flat=True))}


class SnapshotAudited:
    """Audits a change after its many-to-many fields are saved (groups, permissions), as one record."""

    snapshot: Callable[[Any], dict[str, Any]] = staticmethod(lambda obj: {})
    change_action = delete_action = ""

    def save_model(self, request, obj, form, change):
        stored = type(obj).objects.filter(pk=obj.pk).first() if change else None
        obj._audit_before = self.snapshot(stored)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before, after = obj._audit_before, self.snapshot(type(obj).objects.get(pk=obj.pk))
        changed = [k for k in after if before.get(k) != after[k]]
        if changed:
            audit.record(
                request.user,
                self.change_action,
                obj,
                before={k: before.get(k) for k in changed if k in before},
                after={k: after[k] for k in changed},
                ip=client_ip(request),
            )

    def delete_model(self, request, obj):
        audit.record(request.user, self.delete_action, obj, before=self.snapshot(obj), ip=client_ip(request))
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


admin.site.unregister(User)


@admin.register(User)
class SecurityUserAdmin(SecurityAdminOnly, SnapshotAudited, RoleChangesAudited, UserAdmin):
    snapshot = staticmethod(_user_snapshot)
    change_action, delete_action = "user_change", "user_delete"
    inlines = [MembershipInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def clean(form_self):
            data = super(form, form_self).clean()
            own = obj is not None and obj.pk == request.user.pk
            if own and any(name in form_self.changed_data for name in PRIVILEGE_FIELDS):
                form_self.add_error(None, SELF_CHANGE)
            return data

        return type(form.__name__, (form,), {"clean": clean})


admin.site.unregister(Group)


@admin.register(Group)
class SecurityGroupAdmin(SecurityAdminOnly, SnapshotAudited, GroupAdmin):
    snapshot = staticmethod(_group_snapshot)
    change_action, delete_action = "group_change", "group_delete"
