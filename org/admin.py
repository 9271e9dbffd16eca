"""Admin of the organisation and of people: units, memberships, users and groups, changed by the security
administrator only (三员分立, GB/T 22239-2019 8.1.4.2), every change audited; and the admin base classes the other
apps use."""

import functools
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet, model_to_dict

from core import audit
from core.http import client_ip
from org.access import access_for, duty_conflict, held_duties
from org.models import Membership, Unit

# Column heads and labels of fields whose models give no Chinese name (issue 14: the admin is Chinese throughout).
FIELD_WORDS = {
    "actor": "操作人账号",
    "attempts": "尝试次数",
    "channel": "渠道",
    "created_at": "创建时间",
    "created_by": "编制人",
    "deadline": "时限",
    "decided_at": "决定时间",
    "decided_by": "决定人",
    "error": "错误信息",
    "feedback": "反馈",
    "incident": "舆情",
    "ip": "IP 地址",
    "policy": "时限规则",
    "published_by": "发布人",
    "read_at": "阅读时间",
    "recipient": "接收人",
    "recorded_by": "记录人",
    "report": "报告",
    "reported_by": "报告人",
    "requested_at": "申请时间",
    "requested_by": "申请人",
    "sent_at": "发送时间",
    "sha256": "SHA-256 校验值",
    "status": "状态",
    "step": "督办步骤",
    "submitted_by": "提交人",
    "ticket": "转办单",
    "updated_at": "更新时间",
    "uploaded_at": "上传时间",
    "uploaded_by": "上传人",
    "user": "用户",
}


def _chinese(text: object) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


@functools.cache
def _worded_field(model: Any, name: Any, own: tuple[tuple[str, str], ...] = ()) -> Any:
    """`name` of `model` when its verbose name is English and FIELD_WORDS (or the admin's `own` words) has a
    Chinese one: a display function with that description (an enum as its label, a boolean as the admin's icon);
    else `name` itself. Cached, so the list of fields and the list of read-only fields name the same function."""
    if not isinstance(name, str):
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a method or "__str__": shown as it is
        return name
    words = FIELD_WORDS | dict(own)
    if _chinese(getattr(field, "verbose_name", "")) or name not in words:
        return name
    choices = getattr(field, "choices", None)

    def show(obj):
        return getattr(obj, f"get_{name}_display")() if choices else getattr(obj, name)

    show.__name__ = f"{name}_words"
    boolean = field.get_internal_type() == "BooleanField"
    return admin.display(description=words[name], ordering=name, boolean=boolean)(show)


class ChineseLabels:
    """Column heads, read-only fields and form labels in Chinese where a model field has no Chinese name."""

    model: Any
    field_words: dict[str, str] = {}  # an admin's own words, before FIELD_WORDS (a TOTP device's "step" is no 督办步骤)

    def _worded(self, names):
        own = tuple(sorted(self.field_words.items()))
        return [_worded_field(self.model, name, own) for name in names]

    def get_list_display(self, request):
        return self._worded(super().get_list_display(request))  # type: ignore[misc]

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # The fieldsets may name display functions (the worded read-only fields); a form is built from field
        # names only, and read-only fields are never in it anyway.
        if "fields" not in kwargs:
            fieldsets = self.get_fieldsets(request, obj)  # type: ignore[attr-defined]
            kwargs["fields"] = [name for name in flatten_fieldsets(fieldsets) if isinstance(name, str)]
        return super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]

    def get_readonly_fields(self, request, obj=None):
        return self._worded(super().get_readonly_fields(request, obj))  # type: ignore[misc]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if self.has_change_permission(request, obj):  # type: ignore[attr-defined]
            readonly = set(super().get_readonly_fields(request, obj))  # type: ignore[misc]
            shown = lambda names: [self._worded([n])[0] if n in readonly else n for n in names]  # noqa: E731
        else:  # shown read-only, every field
            shown = self._worded
        return [
            (title, {**options, "fields": _fieldset_fields(options["fields"], shown)}) for title, options in fieldsets
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        words = FIELD_WORDS | self.field_words
        if formfield is not None and db_field.name in words and not _chinese(formfield.label or db_field.name):
            formfield.label = words[db_field.name]
        return formfield


def _fieldset_fields(fields, shown):
    """A fieldset's fields, where a line may group several fields in a tuple."""
    return [tuple(shown(list(line))) if isinstance(line, (list, tuple)) else shown([line])[0] for line in fields]


class AuditedAdmin(ChineseLabels, admin.ModelAdmin):
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
class MembershipAdmin(ChineseLabels, SecurityAdminOnly, admin.ModelAdmin):
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


class ReadOnlyWorkflowAdmin(ChineseLabels, admin.ModelAdmin):
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


PERMISSION_VERBS = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}


def permission_words(permission: Any) -> str:
    """A permission as the security administrator reads it: app | model | 可以新增…, in Chinese. Django stores
    the default permissions' names in English ("Can add …"); the app's and model's verbose names are Chinese."""
    content_type = permission.content_type
    model = content_type.model_class()
    verb, _, model_name = permission.codename.partition("_")
    if model is not None and verb in PERMISSION_VERBS and model_name == model._meta.model_name:
        app = apps.get_app_config(content_type.app_label).verbose_name
        return f"{app} | {model._meta.verbose_name} | 可以{PERMISSION_VERBS[verb]}{model._meta.verbose_name}"
    return str(permission)


class PermissionsInChinese:
    """The permission pickers (filter_horizontal) of users and groups list permissions in Chinese."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name in ("permissions", "user_permissions") and formfield is not None:
            formfield.label_from_instance = permission_words
        return formfield


admin.site.unregister(User)


@admin.register(User)
class SecurityUserAdmin(PermissionsInChinese, SecurityAdminOnly, SnapshotAudited, RoleChangesAudited, UserAdmin):
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
class SecurityGroupAdmin(PermissionsInChinese, SecurityAdminOnly, SnapshotAudited, GroupAdmin):
    snapshot = staticmethod(_group_snapshot)
    change_action, delete_action = "group_change", "group_delete"
