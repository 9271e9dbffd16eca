from django.apps import AppConfig

from core.text import install_form_validator

# Issue 10 §1: no control character typed into any form reaches the database (see core.text). Installed
# when Django imports this module, before any app's ready(): a form field copies its class's validators when it
# is created, and the admin's ready() (autodiscover, first in INSTALLED_APPS) already defines the admin's and
# django.contrib.auth's forms, which ready() here would come too late for.
install_form_validator()


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "审计与基础"
