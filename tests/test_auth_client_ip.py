"""The client address cannot be forged (issue 11 §2): X-Forwarded-For counts only behind TRUSTED_PROXY_COUNT
proxies of our own, and then its right-most entry those proxies did not add."""

import pytest
from django.test import Client, RequestFactory

from core.http import client_ip
from core.models import AuditEvent


def request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    "proxies, remote, forwarded, expected",
    [
        (0, "203.0.113.9", "10.9.9.9", "203.0.113.9"),  # nobody in front: the header is the caller's own words
        (1, "172.18.0.2", "10.9.9.9, 198.51.100.7", "198.51.100.7"),  # the proxy appended the real client
        (1, "172.18.0.2", "198.51.100.7", "198.51.100.7"),
        (2, "172.18.0.2", "10.9.9.9, 198.51.100.7, 172.18.0.5", "198.51.100.7"),
        (1, "172.18.0.2", None, "172.18.0.2"),
        (1, "172.18.0.2", "not-an-address", None),  # malformed: nothing, rather than a 500 at the inet column
    ],
)
def test_the_right_entry_is_taken(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(remote, forwarded)) == expected


def test_a_forged_header_does_not_reach_the_audit_trail(org, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/login/", {"username": "duty", "password": "guess"}, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert AuditEvent.objects.get(action="login_failed").ip == "203.0.113.9"


def test_behind_one_proxy_the_client_it_saw_is_audited(org, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    Client(REMOTE_ADDR="172.18.0.2").post(
        "/accounts/login/",
        {"username": "duty", "password": "guess"},
        HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7",
    )
    assert AuditEvent.objects.get(action="login_failed").ip == "198.51.100.7"
