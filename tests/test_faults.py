"""Faults (issue 11 §5): Redis down, a dropped database connection, a hung LibreOffice, PDF conversions
crowding the web workers, and a report job that dies between writing its document and committing its row."""

import datetime as dt
import logging
import os
import re
import stat
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.conf import settings as django_settings
from django.db import close_old_connections, connection, transaction

from incidents import services
from incidents.models import Ticket
from notifications.models import Notification
from org.models import Membership
from reporting import pdf, versions
from reporting.models import ReportVersion
from reporting.periodic import generate_periodic_report
from reporting.tasks import remove_orphan_report_files

SH = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Redis down ---------------------------------------------------------------------------------------


def test_with_redis_down_the_token_endpoint_and_the_api_still_answer(client, org, settings, caplog):
    settings.CACHES = DEAD_REDIS  # nothing listens on port 1
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        response = client.post(
            "/api/auth/token/", {"username": "duty", "password": "pw-123456"}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        listed = client.get("/api/incidents/", HTTP_AUTHORIZATION=f"Token {token}")
        assert listed.status_code == 200
        assert client.get("/api/incidents/").status_code == 401  # anonymous: throttle skipped, auth still refuses
    assert "the cache is unavailable" in caplog.text


# --- database connection dropped ---------------------------------------------------------------------------


def test_persistent_connections_are_health_checked():
    db = django_settings.DATABASES["default"]
    assert db["CONN_MAX_AGE"] == 0 or db["CONN_HEALTH_CHECKS"] is True


def drop_from_the_server_side():
    if connection.vendor == "postgresql":
        other = connection.copy()
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
        finally:
            other.close()
    else:
        connection.connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_dropped_is_replaced_before_the_next_request(client, org, monkeypatch):
    if connection.vendor == "postgresql":  # as in production: persistent connections, health-checked
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
        # Reconnect under these settings: a connection opened with max age 0 is already obsolete and would be
        # closed by close_old_connections() whatever the health check does, hiding what this test is about.
        connection.close()
        connection.ensure_connection()
    client.force_login(org.duty)
    assert client.get("/incidents/").status_code == 200
    drop_from_the_server_side()  # a restart, failover or idle timeout: the client finds out on its next query
    close_old_connections()  # what Django does when each request starts (the test client skips it)
    assert client.get("/incidents/").status_code == 200


# --- PDF conversion ---------------------------------------------------------------------------------------


def gunicorn_timeouts():
    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    return [
        int(re.search(r"--timeout \$\$\{WEB_TIMEOUT:-(\d+)\}", web).group(1)),
        int(re.search(r'"--timeout", "(\d+)"', dockerfile).group(1)),
    ]


def test_the_pdf_timeout_is_below_the_web_workers():
    assert django_settings.PDF_TIMEOUT + django_settings.PDF_SLOT_WAIT < django_settings.WEB_TIMEOUT
    assert gunicorn_timeouts() == [django_settings.WEB_TIMEOUT] * 2


@pytest.fixture
def hung_soffice(tmp_path, monkeypatch):
    """A LibreOffice that forks a helper and hangs; the helper's pid is written to a file."""
    script = tmp_path / "soffice"
    pidfile = tmp_path / "helper.pid"
    script.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pidfile}\nsleep 300\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(pdf, "soffice_binary", lambda: str(script))
    return pidfile


def gone(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # killed; a zombie only waits for its (re)parent to reap it


@pytest.fixture
def weekly(org, media):
    return generate_periodic_report("weekly", dt.date(2026, 11, 9), now=dt.datetime(2026, 11, 16, 9, tzinfo=SH))


def test_a_hung_libreoffice_is_killed_with_its_helpers_and_the_user_is_told(
    weekly, org, client, settings, hung_soffice
):
    settings.PDF_TIMEOUT = 1
    client.force_login(org.duty)
    started = time.monotonic()
    response = client.get(f"/reports/{weekly.pk}/versions/1/download/", {"format": "pdf"})
    assert time.monotonic() - started < 10
    assert response.status_code == 503 and "文档转换超时（1 秒），请稍后重试。" in response.content.decode()
    helper = int(hung_soffice.read_text())
    for _ in range(50):
        if gone(helper):
            break
        time.sleep(0.1)
    assert gone(helper)  # the whole process group, not just soffice itself


def test_conversions_beyond_the_limit_are_refused_instead_of_holding_a_worker(
    weekly, org, client, settings, monkeypatch
):
    settings.PDF_MAX_CONCURRENT, settings.PDF_SLOT_WAIT = 1, 0
    monkeypatch.setattr(pdf, "_run", lambda *a, **k: pytest.fail("converted beyond the limit"))
    client.force_login(org.duty)
    with pdf.conversion_slot():  # another worker is converting
        started = time.monotonic()
        response = client.get(f"/reports/{weekly.pk}/versions/1/download/", {"format": "pdf"})
    assert time.monotonic() - started < 2
    assert response.status_code == 503 and "服务器正在生成其他 PDF，请稍后重试。" in response.content.decode()
    with pdf.conversion_slot():  # the slot is free again once the holder is done
        pass


# --- a report file only with its row --------------------------------------------------------------------------


def report_files(media):
    return sorted(p.relative_to(media).as_posix() for p in (media / "reports").rglob("*") if p.is_file())


def test_a_version_whose_row_is_not_saved_leaves_no_file(weekly, media, monkeypatch):
    before = report_files(media)

    def row_refused(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ReportVersion, "save", row_refused)
    with pytest.raises(RuntimeError):
        versions.save_version(weekly, data=b"PK fake docx", content={})
    assert report_files(media) == before


def test_a_report_job_killed_before_commit_leaves_no_orphan_document(org, media):
    with pytest.raises(RuntimeError), transaction.atomic():  # the job dies after writing, before committing
        generate_periodic_report("monthly", dt.date(2026, 10, 1), now=dt.datetime(2026, 11, 2, 9, tzinfo=SH))
        raise RuntimeError("worker killed")
    weekly = generate_periodic_report("weekly", dt.date(2026, 11, 9), now=dt.datetime(2026, 11, 16, 9, tzinfo=SH))
    kept = weekly.latest_version.file.name
    orphans = [name for name in report_files(media) if name != kept]
    assert orphans and not ReportVersion.objects.filter(file__in=orphans).exists()

    remove_orphan_report_files()  # hourly: a file this young may belong to a transaction still running
    assert set(orphans) <= set(report_files(media))
    with time_machine.travel(dt.datetime.now(tz=SH) + dt.timedelta(hours=2)):
        remove_orphan_report_files()
    assert report_files(media) == [kept]
    assert os.path.exists(weekly.latest_version.file.path)


class GatewayDown:
    """The county's SMS gateway, unreachable."""

    def send(self, phone, text):
        raise ConnectionError("短信网关无法连接")


@pytest.mark.django_db(transaction=True)
def test_a_gateway_failure_after_a_committed_change_is_no_500_and_the_sms_waits_for_a_retry(client, org, settings):
    """Notices are sent after commit (notifications.notify): the change stands, the page answers as usual,
    the SMS stays pending for the next delivery run."""
    settings.SMS_GATEWAY = "tests.test_faults.GatewayDown"
    Membership.objects.filter(user=org.edu_liaison).update(phone="13800000000")
    incident = services.report_incident(org.duty, title="网传某校食堂问题")
    services.grade_incident(org.duty, incident, grade="IV", reason="测试研判")
    client.force_login(org.duty)
    response = client.post(
        f"/incidents/{incident.pk}/dispatch/", {"dispatch-lead": org.edu.pk, "dispatch-instructions": "请核实"}
    )
    assert response.status_code == 302
    assert Ticket.objects.filter(incident=incident, unit=org.edu).exists()
    sms = Notification.objects.get(recipient=org.edu_liaison, channel="sms")
    assert sms.status == "pending" and sms.attempts == 1 and "短信网关" in sms.error
