"""Receivers that must hold on every path, not only on this app's pages: a failed sign-in anywhere (login form,
Django admin, API token endpoint) is audited; a password saved anywhere kills the user's API tokens."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import services
from core.http import client_ip
from incidents import services as incident_services


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    ip = client_ip(request) if request is not None else None
    incident_services.record_failed_login(username=credentials.get("username"), ip=ip)


@receiver(post_save, sender=get_user_model())
def password_bookkeeping(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        services.note_new_user(instance)
    elif getattr(instance, "_password", None) is not None:  # set_password() was called before this save
        services.note_password_saved(instance)
