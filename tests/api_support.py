"""Helpers for the API tests: clients that sign in the way integrations do (a token), and throttles
relaxed for tests that are not about throttling (the counts live in a shared cache)."""

import uuid

import pytest
from rest_framework.test import APIClient

from accounts import services

PASSWORD = "pw-123456"  # tests.factories.UserFactory's default


def token_client(user=None, **defaults):
    """An API client authenticated with the user's token, as a monitoring platform would be."""
    client = APIClient(**defaults)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {services.issue_token(user)[1]}")
    return client


def fresh_address():
    """A client address no other test (or earlier run sharing a Redis) has been counted under."""
    n = uuid.uuid4().int
    return f"10.{n % 250 + 1}.{(n >> 8) % 250 + 1}.{(n >> 16) % 250 + 1}"


@pytest.fixture
def relaxed_throttles(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "login": "100000/min"},
    }


@pytest.fixture
def api_as(org, relaxed_throttles):
    """`api_as(org.duty)` → a token-authenticated client; `api_as(None)` → anonymous."""
    return token_client
