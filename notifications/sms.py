"""SMS gateways (手机短信). Production plugs in the county's gateway class via SMS_GATEWAY; the
default only logs. Messages carry a title and a link, never incident content (docs/rules.md §8)."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("yuqing.sms")


class LoggingGateway:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def gateway():
    return import_string(getattr(settings, "SMS_GATEWAY", "notifications.sms.LoggingGateway"))()
