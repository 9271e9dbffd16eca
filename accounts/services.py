"""Every write of identification and authentication (issue 11 §2): password changes and resets, API tokens,
TOTP enrolment. Each runs in one transaction with its audit record, like incidents.services."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, PasswordState, hash_key
from core import audit
from core.errors import InvalidInput, NotPermitted
from org.access import access_for, require_role


def password_state(user):
    """must_change and changed_at of a user; a user created before this app (no row) changed it when joining."""
    state = PasswordState.objects.filter(user=user).first()
    return state or PasswordState(user=user, must_change=False, changed_at=user.date_joined)


def password_age_days(user, now=None):
    return ((now or timezone.now()) - password_state(user).changed_at).days


def note_new_user(user):
    """A user just created (admin, createsuperuser, seed_demo) holds a password someone else chose: in production
    (PASSWORD_CHANGE_INITIAL, on when DEBUG is off) they must change it at their first login."""
    PasswordState.objects.get_or_create(user=user, defaults={"must_change": settings.PASSWORD_CHANGE_INITIAL})


def note_password_saved(user):
    """Whatever path set a password (the form, the admin, a shell, seed_demo): every API token of that user dies
    and the password's age starts again. Whether it is still an initial one is decided by who set it: only the
    user's own change (change_own_password) clears must_change. Called from the user's post_save."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now, revoked_reason="密码已修改")
    PasswordState.objects.update_or_create(user=user, defaults={"changed_at": now})


@transaction.atomic
def change_own_password(user, form, *, ip=None):
    """The signed-in user's own change (Django's PasswordChangeForm, already valid)."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
    form.save()
    PasswordState.objects.filter(user=user).update(must_change=False)
    audit.record(user, "password_changed", user, after={"tokens_revoked": tokens}, ip=ip)
    return user


@transaction.atomic
def require_password_change(actor, user, *, ip=None):
    """An administrator set someone's password: it is an initial password again, to be changed at next login."""
    require_role(actor, "is_security_admin", "只有安全管理员可以重置他人密码。")
    PasswordState.objects.update_or_create(user=user, defaults={"must_change": settings.PASSWORD_CHANGE_INITIAL})
    audit.record(actor, "password_reset", user, after={"username": user.get_username()}, ip=ip)


def can_manage_accounts(user):
    """Credentials are the security administrator's (三员分立, issue 11 §3); the system administrator may still
    revoke a token, a protective act."""
    if not (user and user.is_authenticated):
        return False
    access = access_for(user)
    return access.is_security_admin or access.is_admin


@transaction.atomic
def issue_token(user, *, ip=None):
    """A new API token for a user who has just proven who they are. Returns (token, key): the key is shown once
    and only its SHA-256 is kept, so a copy of the database lets nobody call the API as them."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_key(key),
        prefix=key[:8],
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit.record(user, "token_issued", token, after={"prefix": token.prefix, "expires_at": token.expires_at}, ip=ip)
    return token, key


@transaction.atomic
def revoke_token(actor, token, *, ip=None):
    """Its owner or an administrator revokes a token; it stops working at once."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor.pk != token.user_id and not can_manage_accounts(actor):
        raise NotPermitted("只能吊销自己的令牌。")
    if token.revoked_at is not None:
        raise InvalidInput("该令牌已吊销。")
    token.revoked_at = timezone.now()
    token.revoked_reason = "持有人吊销" if actor.pk == token.user_id else "管理员吊销"
    token.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(actor, "token_revoked", token, after={"prefix": token.prefix, "owner": token.user_id}, ip=ip)
    return token


def visible_tokens(user):
    """A user's own tokens, newest first (the key itself is never kept, so nothing secret is read)."""
    return ApiToken.objects.filter(user=user)


@transaction.atomic
def confirm_totp_device(user, device, token, *, ip=None):
    """Enrolment: the first code from the authenticator app proves it holds the key."""
    if device.user_id != user.pk:
        raise NotPermitted("只能绑定自己的动态口令器。")
    if not device.verify_token(token):
        raise InvalidInput("动态口令不正确，请核对手机时间后重试。", {"token": ["动态口令不正确。"]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(user, "otp_enrolled", device, after={"device": device.name}, ip=ip)
    return device


def record_failed_otp(user, *, ip=None):
    with transaction.atomic():
        audit.record(user, "otp_failed", None, after={"username": user.get_username()}, ip=ip)
