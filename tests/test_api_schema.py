"""Schemathesis against the live OpenAPI document: every operation, as several roles, with generated valid and
invalid input. Zero server errors and zero answers that the schema does not describe."""

import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services
from yuqing.wsgi import application

from .api_matrix import build_world, with_pending_extension, with_reply_draft, with_reports
from .api_support import relaxed_throttles  # noqa: F401

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def world(org, make_incident, relaxed_throttles):  # noqa: F811
    return with_reply_draft(with_reports(with_pending_extension(build_world(org, make_incident))))


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Schemathesis calls the WSGI application directly, so Django's request signals fire and would close
    the connection (and with it the test's transaction) after each call; Django's own test client
    disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded from the running application at collection time (the schema view reads no data). Schemathesis'
# fixture-based lazy loading does not run under pytest 9, so the schema is loaded here, once.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


def _known_ids(world, path):
    path = "/api/" + path.removeprefix("/api/v1/")
    if path.startswith("/api/tickets/"):
        return [s.lead.pk for s in world.scenarios.values()] + [world.extension_ticket.pk]
    if path.startswith("/api/extension-requests/"):
        return [world.extension.pk]
    if path.startswith("/api/deadlines/"):
        return world.deadline_ids
    if path.startswith("/api/reports/"):
        return world.report_ids
    if path.startswith("/api/reply-drafts/"):
        return [world.reply_draft.pk]
    return [s.incident.pk for s in world.scenarios.values()] + [world.merge_target.pk]


def _aim_at_real_objects(case, world):
    """Random ids almost never exist. Half of the generated (well-formed) ids are swapped for ids of the
    scenario objects, chosen from the generated value so that Hypothesis still replays it exactly."""
    raw = (case.path_parameters or {}).get("id")
    if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()):
        digest = hashlib.sha256(str(raw).encode()).digest()
        if digest[0] % 2 == 0:
            ids = _known_ids(world, case.operation.path)
            case.path_parameters["id"] = ids[digest[1] % len(ids)]
            if "number" in case.path_parameters and digest[2] % 2 == 0:
                case.path_parameters["number"] = 1  # every report has a first version


@pytest.mark.parametrize("role", ["duty", "edu_liaison", "edu_leader", "anonymous"])
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_conforms_to_its_schema(case, role, world):
    _aim_at_real_objects(case, world)
    user = world.users[role]
    headers = {"Authorization": f"Token {services.issue_token(user)[1]}"} if user else {}
    case.call_and_validate(headers=headers, checks=CHECKS + ([ignored_auth] if user else []))


# The anonymous throttle counts in a cache that outlives each test: without relaxed limits, the anonymous calls
# of earlier tests from the same test address would get these two a 429.
def test_the_schema_is_served_and_describes_every_contract_path(client, relaxed_throttles):  # noqa: F811
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert all(path.startswith("/api/v1/") for path in paths)  # the canonical paths; /api/ is their alias
    paths = {"/api/" + path.removeprefix("/api/v1/"): operations for path, operations in paths.items()}
    for path in (
        "/api/auth/token/",
        "/api/incidents/",
        "/api/incidents/{id}/",
        "/api/incidents/{id}/audit/",
        "/api/incidents/{id}/grade/",
        "/api/incidents/{id}/dispatch/",
        "/api/incidents/{id}/dismiss/",
        "/api/incidents/{id}/merge/",
        "/api/incidents/{id}/close/",
        "/api/incidents/{id}/reopen/",
        "/api/incidents/{id}/send-back/",
        "/api/tickets/",
        "/api/tickets/{id}/",
        "/api/tickets/{id}/claim/",
        "/api/tickets/{id}/return/",
        "/api/tickets/{id}/feedback/",
        "/api/tickets/{id}/assign/",
        "/api/units/",
        "/api/tickets/{id}/extension-requests/",
        "/api/extension-requests/",
        "/api/extension-requests/{id}/",
        "/api/extension-requests/{id}/approve/",
        "/api/extension-requests/{id}/reject/",
        "/api/deadlines/",
        "/api/deadlines/{id}/",
        "/api/reports/",
        "/api/reports/{id}/",
        "/api/reports/{id}/versions/{number}/download/",
        "/api/daily-submissions/",
        "/api/assessment/",
        "/api/tickets/{id}/reply-drafts/",
        "/api/reply-drafts/",
        "/api/reply-drafts/{id}/",
        "/api/reply-drafts/{id}/approve/",
        "/api/reply-drafts/{id}/send-back/",
        "/api/reports/{id}/versions/{number}/pdf/",
        "/api/reports/special/",
        "/api/reports/supervision/",
        "/api/reports/risk-notices/",
        "/api/reports/daily/",
        "/api/reports/periodic/",
        "/api/reports/{id}/issue/",
        "/api/ledger/",
    ):
        assert path in paths, path
    grade = paths["/api/incidents/{id}/grade/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(grade)
    for decision in ("approve", "reject"):
        assert {"200", "400", "401", "403", "404", "409"} <= set(
            paths[f"/api/extension-requests/{{id}}/{decision}/"]["post"]["responses"]
        )
    filing = paths["/api/tickets/{id}/extension-requests/"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(filing["post"]["responses"]) and "200" in filing["get"][
        "responses"
    ]
    deadline_filters = {p["name"] for p in paths["/api/deadlines/"]["get"]["parameters"]}
    assert {
        "state",
        "kind",
        "unit",
        "incident",
        "ticket",
        "due_after",
        "due_before",
        "page",
        "ordering",
    } <= deadline_filters
    report_filters = {p["name"] for p in paths["/api/reports/"]["get"]["parameters"]}
    assert {
        "kind",
        "status",
        "incident",
        "unit",
        "created_after",
        "created_before",
        "page",
        "ordering",
    } <= report_filters
    download = paths["/api/reports/{id}/versions/{number}/download/"]["get"]["responses"]
    assert set(download["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    }
    assert {"401", "404"} <= set(download)
    submitting = paths["/api/daily-submissions/"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403"} <= set(submitting)
    assert {"200", "400", "401", "403"} <= set(paths["/api/assessment/"]["get"]["responses"])
    for decision in ("approve", "send-back"):
        assert {"200", "400", "401", "403", "404", "409"} <= set(
            paths[f"/api/reply-drafts/{{id}}/{decision}/"]["post"]["responses"]
        )
    assert {"201", "400", "401", "403", "404", "409"} <= set(
        paths["/api/tickets/{id}/reply-drafts/"]["post"]["responses"]
    )
    assert set(paths["/api/reports/{id}/versions/{number}/pdf/"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf"
    }
    assert set(paths["/api/ledger/"]["get"]["responses"]["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
    feedback = paths["/api/tickets/{id}/feedback/"]["post"]["requestBody"]["content"]
    assert set(feedback) == {"application/json", "multipart/form-data"}


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _parameter_problems(where, operation):
    for parameter in operation.get("parameters", []):
        schema, name = parameter["schema"], parameter["name"]
        if parameter["in"] == "path" and schema.get("type") != "integer":
            yield f"{where}: path parameter {name} is not an integer"
        if parameter["in"] == "query" and name in ("incident", "ticket", "parent", "unit"):
            if schema.get("type") != "integer":
                yield f"{where}: id filter {name} is {schema}"
        if not schema.get("title", "").isascii():
            yield f"{where}: {name} has a Chinese title (a class name in a client)"


def _response_problems(where, operation):
    for code, response in operation["responses"].items():
        if not response.get("description"):
            yield f"{where}: {code} has no description"
        for media_type, content in response.get("content", {}).items():
            if int(code) >= 400 and media_type != "application/problem+json":
                yield f"{where}: {code} answers {media_type}"
            binary = content["schema"] == {"type": "string", "format": "binary"}
            if media_type not in ("application/json", "application/problem+json") and not binary:
                yield f"{where}: {media_type} is not binary"


def _operation_problems(path, method, operation):
    where = f"{method.upper()} {path}"
    # One body type per operation, or JSON beside multipart (attachments): never JSON beside a form.
    if "application/x-www-form-urlencoded" in operation.get("requestBody", {}).get("content", {}):
        yield f"{where}: form body"
    yield from _parameter_problems(where, operation)
    yield from _response_problems(where, operation)
    if method == "post" and operation["operationId"] != "auth_token_create":
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" not in names or not {"409", "422"} <= set(operation["responses"]):
            yield f"{where}: Idempotency-Key not documented"


def test_the_schema_generates_a_working_client(client, relaxed_throttles):  # noqa: F811
    """What openapi-python-client tripped over (issue 14), checked on the document itself."""
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    components = document["components"]["schemas"]
    problems = [
        problem for path, method, op in _operations(document) for problem in _operation_problems(path, method, op)
    ]
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for _, _, operation in _operations(document)
        for content in operation.get("requestBody", {}).get("content", {}).values()
    }
    assert "IncidentCreateRequest" in bodies and "SourceLinkRequest" in components
    for name, component in components.items():
        if not name.isascii():
            problems.append(f"component {name} is not ASCII")
        if name in bodies or name == "SourceLinkRequest":
            # Request bodies carry no read-only field (COMPONENT_SPLIT_REQUEST), so nothing read-only is required.
            if any(p.get("readOnly") for p in component.get("properties", {}).values()):
                problems.append(f"{name} has read-only properties")
    assert not problems, "\n".join(problems)
    # Sort fields and page sizes are documented as enforced.
    listing = {p["name"]: p for p in document["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert "reported_at" in listing["ordering"]["description"] and "pattern" in listing["ordering"]["schema"]
    assert listing["page_size"]["schema"]["maximum"] == 200 and listing["page_size"]["schema"]["minimum"] == 1
    assert listing["status"]["schema"] == {"$ref": "#/components/schemas/IncidentStatusEnum"}
    # Examples on the main operations.
    for path, method in (
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/incidents/", "post"),
        ("/api/v1/incidents/{id}/grade/", "post"),
        ("/api/v1/incidents/{id}/dispatch/", "post"),
        ("/api/v1/tickets/{id}/feedback/", "post"),
        ("/api/v1/incidents/{id}/close/", "post"),
    ):
        operation = document["paths"][path][method]
        examples = [c.get("examples") for c in operation["requestBody"]["content"].values()]
        assert any(examples), f"{method.upper()} {path} has no example"


class _AssetURLs(HTMLParser):
    """The URLs a page loads: src of scripts/images/frames, href of stylesheets and icons."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source") and values.get("src"):
            self.urls.append(values["src"])
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"])


def asset_urls(page):
    parser = _AssetURLs()
    parser.feed(page)
    return parser.urls


def off_site(urls):
    """The URLs that leave the site: with a scheme or a network location (//host/…). Parsed, not searched for
    words, so a CSRF token or text that happens to contain "cdn" cannot fail the check (issue 18)."""
    return [url for url in urls if urlsplit(url).scheme or urlsplit(url).netloc]


def test_the_asset_check_finds_a_cdn_url_and_ignores_words():
    page = (
        '<link rel="stylesheet" href="/static/a.css"><script src="https://cdn.jsdelivr.net/npm/swagger-ui.js"></script>'
        '<script src="//unpkg.com/x.js"></script><input type="hidden" name="csrfmiddlewaretoken" value="aXcdnQ">'
        "<p>cdn unpkg</p>"
    )
    assert off_site(asset_urls(page)) == ["https://cdn.jsdelivr.net/npm/swagger-ui.js", "//unpkg.com/x.js"]
    assert off_site(asset_urls('<script src="/static/x.js"></script><p>cdn</p>')) == []


def test_the_docs_page_uses_local_assets_only(client, relaxed_throttles):  # noqa: F811
    page = client.get("/api/docs/").content.decode()
    urls = asset_urls(page)
    assert any(url.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/") for url in urls), urls
    assert off_site(urls) == [], urls
    # The page's own setup script (same site) names no other host either.
    (script,) = [url for url in urls if url.startswith("/api/docs/?")]
    setup = client.get(script).content.decode()
    assert re.findall(r"""["'`](?:https?:)?//[^"'`]+""", setup) == []
