"""Who must do what before using the application: verify their second factor, change an initial password,
enrol a TOTP authenticator (OTP_REQUIRED_ROLES). Read by the middleware on every signed-in request."""

from django.conf import settings
from django_otp import user_has_device

from org.access import access_for

VERIFY, CHANGE_PASSWORD, ENROL = "verify", "change_password", "enrol"


def otp_required(user):
    roles = set(access_for(user).roles)
    if user.is_staff or user.is_superuser:
        roles.add("admin")
    return bool(roles & set(settings.OTP_REQUIRED_ROLES))


def pending_step(request, state):
    """The first thing this signed-in user has to do, or None. A second factor comes first: nobody changes a
    password or sees anything on the strength of a password alone once they hold a device."""
    user = request.user
    has_device = user_has_device(user, confirmed=True)
    if has_device and not user.is_verified():
        return VERIFY
    if state.must_change:
        return CHANGE_PASSWORD
    if not has_device and otp_required(user):
        return ENROL
    return None
