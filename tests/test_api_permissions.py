"""Who may do what through the API: the full role × endpoint × scenario matrix (tests/api_matrix.py), under the
canonical /api/v1/ and under the /api/ alias."""

import json

import pytest
from django.db import transaction
from django.urls import include, path

from core.api.base import not_found
from reporting import downloads as reporting_downloads

from .api_matrix import ENDPOINTS, PREFIXES, ROLES, api_routes, build_world, object_id, uncovered_routes, under
from .api_support import relaxed_throttles, token_client  # noqa: F401


@pytest.fixture
def world(org, make_incident, relaxed_throttles, monkeypatch):  # noqa: F811
    # Who may download a PDF is the question here, not LibreOffice (tests/test_api_reports.py converts for real).
    monkeypatch.setattr(reporting_downloads, "convert_to_pdf", lambda data, extension="docx": b"%PDF-1.7 stub")
    return build_world(org, make_incident)


def _object_id(world, endpoint, scenario):
    return object_id(world, endpoint.path, scenario)


def _call(world, endpoint, scenario, role, prefix):
    url = under(prefix, endpoint.path)
    if "{id}" in url:
        url = url.replace("{id}", str(_object_id(world, endpoint, scenario)))
    body = endpoint.body(world, scenario, role) if callable(endpoint.body) else endpoint.body
    client = token_client(world.users[role])
    return client.generic(
        endpoint.method, url, data=None if body is None else _json(body), content_type="application/json"
    )


def _json(body):
    return json.dumps(body)


def _listed_scenarios(world, endpoint, response):
    ids = {item["id"] for item in response.json()["results"]}
    return {name for name, s in world.scenarios.items() if _object_id(world, endpoint, name) in ids}


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_permission_matrix(world, endpoint, prefix):
    failures = []
    rows = list(endpoint.expect.items())
    if prefix != PREFIXES[0]:
        # The alias serves the same views: every role, on the first scenario (the canonical pass runs them all).
        rows = rows[:1]
    for scenario, row in rows:
        for role, expected in zip(ROLES, row.split(), strict=True):
            # Each cell on fresh data: the request runs in a savepoint that is rolled back afterwards.
            with transaction.atomic():
                if endpoint.prepare is not None:
                    endpoint.prepare(world, scenario)
                response = _call(world, endpoint, scenario, role, prefix)
                transaction.set_rollback(True)
            cell = f"{endpoint.method} {under(prefix, endpoint.path)} [{scenario}] as {role}"
            if response.status_code != int(expected):
                failures.append(
                    f"{cell}: expected {expected}, got {response.status_code} {response.content.decode()[:200]}"
                )
                continue
            if response.status_code >= 400:
                problem = response.json()
                detail = problem.get("detail", "")
                if not any("\u4e00" <= ch <= "\u9fff" for ch in detail):
                    failures.append(f"{cell}: detail is not Chinese: {detail!r}")
                if response["Content-Type"] != "application/problem+json" or problem.get("status") != int(expected):
                    failures.append(f"{cell}: not a problem+json body: {response['Content-Type']} {problem}")
            if role in endpoint.visible and endpoint.visible[role] != _listed_scenarios(world, endpoint, response):
                failures.append(
                    f"{cell}: lists {_listed_scenarios(world, endpoint, response)}, expected {endpoint.visible[role]}"
                )
    assert not failures, "\n".join(failures)


def test_every_api_endpoint_has_a_matrix_entry():
    assert uncovered_routes() == set(), "add these endpoints to tests/api_matrix.py"


def test_matrix_check_notices_a_new_endpoint(settings):
    """The completeness check above is only worth something if it fails for an endpoint nobody listed."""
    settings.ROOT_URLCONF = __name__
    uncovered = uncovered_routes()
    assert {name for _, name, _ in uncovered} == {"api-new-thing"}
    assert ("/api/", "api-new-thing", "POST") in uncovered


def test_the_alias_and_v1_serve_the_same_routes():
    """Every canonical route has its alias and the other way round (the catch-all 404 aside)."""
    from_prefix = {}
    for prefix, name, method in api_routes():
        from_prefix.setdefault(prefix, set()).add((name, method))
    alias = {(name, method) for name, method in from_prefix["/api/"] if name != "api-not-found"}
    assert alias == from_prefix["/api/v1/"] and len(alias) > 50


urlpatterns = [
    path("api/new-thing/", not_found, name="api-new-thing"),
    path("", include("yuqing.urls")),
]
