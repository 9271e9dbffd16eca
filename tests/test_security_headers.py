"""Issue 11 §4: security headers on every page and API answer — Content-Security-Policy with no inline script or
style (and templates that need none), Permissions-Policy, Referrer-Policy, nosniff, no Server version — and the
OpenAPI document and Swagger UI behind login in production."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from .api_support import relaxed_throttles, token_client  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_hardened(response):
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Server" not in response


def test_pages_carry_the_security_headers(client, org):
    assert_hardened(client.get(reverse("login")))
    client.force_login(org.leader)
    assert_hardened(client.get(reverse("dashboard")))


def test_api_answers_carry_them_too(org, relaxed_throttles):  # noqa: F811
    assert_hardened(token_client(org.duty).get("/api/incidents/"))
    assert_hardened(token_client().get("/api/incidents/"))  # a 401 as well


def test_the_error_pages_too(client, org):
    client.force_login(org.duty)
    assert_hardened(client.get("/incidents/999999/"))
    assert_hardened(client.get("/incidents/", {"q": "\x00"}))


TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "inline style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx inline handler": re.compile(r"\shx-on", re.I),
}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_needs_inline_script_or_style(template):
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", template.read_text(), flags=re.S)
    for what, pattern in INLINE.items():
        assert not pattern.search(text), f"{what} in {template.name}: the CSP would block it"


def test_the_dashboard_chart_script_is_a_static_file(client, org):
    client.force_login(org.leader)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<script src="/static/js/dashboard.js"></script>' in page
    assert '<script id="trend-data" type="application/json">' in page  # data, not script: CSP leaves it alone
    assert (ROOT / "static/js/dashboard.js").read_text().count("echarts.init") == 1


# --- the API description -------------------------------------------------------------------------------------


@pytest.fixture
def production_docs(settings, relaxed_throttles):  # noqa: F811
    settings.API_DOCS_PUBLIC = False


def test_in_production_the_schema_needs_a_signed_in_user_or_a_token(client, org, production_docs):
    anonymous = client.get("/api/schema/")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert anonymous.json()["detail"] == "身份认证信息未提供。"
    assert token_client(org.edu_liaison).get("/api/schema/", {"format": "json"}).status_code == 200
    client.force_login(org.edu_liaison)
    assert client.get("/api/schema/", {"format": "json"}).status_code == 200


def test_in_production_swagger_ui_sends_a_stranger_to_the_login_page(client, org, production_docs):
    for url in ("/api/docs/", "/api/docs/?script="):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=/api/docs/")
    client.force_login(org.edu_liaison)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "<style" not in page.content.decode() and "<script>" not in page.content.decode()
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert_hardened(page)


def test_the_production_default_is_behind_login():
    """API_DOCS_PUBLIC follows DEBUG unless set: off in production."""
    code = "from django.conf import settings; print(settings.API_DOCS_PUBLIC, settings.DEBUG)"
    env = os.environ | {"DEBUG": "0", "SECRET_KEY": "x7!" + "k2Qz9Lw4Rb8Tn6Vp3Ys5Ud1Fh0Gj" * 2}
    env.pop("API_DOCS_PUBLIC", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.splitlines()[-1] == "False False", result.stdout + result.stderr


# --- the Server header as gunicorn sends it ------------------------------------------------------------------


def test_gunicorn_names_itself_without_a_version(tmp_path):
    """gunicorn writes "Server: gunicorn" (gunicorn.SERVER) and no version; the application adds none."""
    sock = tmp_path / "web.sock"
    env = os.environ | {"YUQING_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "yuqing.wsgi:application", "--bind", f"unix:{sock}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not sock.exists():
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        connection = http.client.HTTPConnection("localhost")
        connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.sock.settimeout(30)
        connection.sock.connect(str(sock))
        connection.request("GET", "/accounts/login/")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Server") == "gunicorn"
        assert "default-src 'self'" in response.getheader("Content-Security-Policy")
    finally:
        server.terminate()
        server.wait(timeout=30)
