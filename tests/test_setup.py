"""The deployment shape: production settings pass Django's deploy checks; the demo loads once."""

import os
import subprocess
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse

from core.models import AuditEvent
from demo.incidents import DEMO_PASSWORD, LOGINS, seed_demo
from demo.monitoring_seed import seed_monitoring
from demo.reporting import seed_reporting
from incidents.models import Incident
from org.models import Membership, Unit
from reporting.models import DailySubmission, ReportSettings, RiskTopic

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "x7!" + "k2Qz9Lw4Rb8Tn6Vp3Ys5Ud1Fh0Gj" * 2,
        "ALLOWED_HOSTS": "yuqing.example.gov.cn",
        "YUQING_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "0", "YUQING_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def _seed_everything():
    units, users, _ = seed_demo()
    seed_reporting(units, users)
    seed_monitoring(units, users)


def test_demo_data_loads_once_and_every_login_works(db, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _seed_everything()
    counts = (
        Unit.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        Incident.objects.count(),
        AuditEvent.objects.count(),
    )
    _seed_everything()
    assert counts == (
        Unit.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        Incident.objects.count(),
        AuditEvent.objects.count(),
    )
    assert Unit.objects.filter(kind="town").count() == 3
    assert Unit.objects.filter(kind="department").count() == 6  # with 督查局 and 网警大队, who watch (004 二(一))
    assert Incident.objects.count() == 12
    # Every workflow stage but 已转办: the demo's units claim at once, so that a demo left running sends no 督办
    # (tests/test_demo_history.py).
    assert len(set(Incident.objects.values_list("status", flat=True))) >= 7
    # The reporting side: collecting units, a distribution list, the risk library, one submission today.
    report_settings = ReportSettings.current()
    assert {u.code for u in report_settings.collecting_units.all()} == {"cac", "police"}
    assert report_settings.distribution.filter(username="leader").exists()
    assert RiskTopic.objects.count() == 2 and DailySubmission.objects.count() == 1
    for _, username in LOGINS:
        client.logout()
        assert client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD}).status_code == 302
        landing = client.get(reverse("home"), follow=True)
        assert landing.status_code == 200


def test_healthz_answers_even_for_unlisted_hosts(client, db):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200 and response.content == b"ok"


def test_compose_file_has_the_production_shape():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "backup"}
    assert (
        "manage.py backup" in services["backup"]["command"][-1] and "sleep 86400" in services["backup"]["command"][-1]
    )
    assert "backups:/data/backups" in services["backup"]["volumes"] and "backups" in compose["volumes"]
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "pgdata" in compose["volumes"]
    assert "gunicorn yuqing.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:3] == ["celery", "-A", "yuqing"]
    assert "beat" in services["beat"]["command"]
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")
