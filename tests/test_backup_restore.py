"""The restore drill (GB/T 22239-2019 8.1.4.9 数据备份恢复): `backup` then `restore` gives back the database
and the files as they were, on whichever database the suite runs (SQLite online backup / pg_dump+pg_restore),
and never erases the audit trail written since the backup."""

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from incidents import services
from incidents.models import Incident
from ops import backup

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db(transaction=True)  # restore replaces the database under the connection


@pytest.fixture
def dirs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "shot.png").write_bytes(b"\x89PNG original")
    return settings


def test_restore_drill_brings_back_database_and_files_and_keeps_the_later_audit_trail(org, dirs):
    kept = services.report_incident(org.duty, title="备份前的舆情")
    out = io.StringIO()
    call_command("backup", stdout=out)
    (directory,) = [p for p in dirs.BACKUP_DIR.iterdir()]
    assert f"备份完成：{directory}" in out.getvalue()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert set(manifest["files"]) == {backup.DB_FILES[manifest["engine"]], "media.tar.gz"}

    # after the backup: a new incident, a lost file, a stray file
    later = services.report_incident(org.duty, title="备份后的舆情")
    later_events = list(AuditEvent.objects.filter(incident_id=later.pk).values_list("id", "action"))
    assert later_events
    (dirs.MEDIA_ROOT / "attachments" / "shot.png").unlink()
    (dirs.MEDIA_ROOT / "stray.docx").write_bytes(b"PK")

    call_command("restore", str(directory), "--yes", stdout=io.StringIO())

    assert list(Incident.objects.values_list("title", flat=True)) == [kept.title]
    assert (dirs.MEDIA_ROOT / "attachments" / "shot.png").read_bytes() == b"\x89PNG original"
    assert not (dirs.MEDIA_ROOT / "stray.docx").exists()
    # the trail since the backup is carried into the restored database, and the restore itself is on it
    for pk, action in later_events:
        assert AuditEvent.objects.filter(pk=pk, action=action).exists()
    assert AuditEvent.objects.filter(action="backup_restored").count() == 1
    # the restored database takes new work without id clashes
    again = services.report_incident(org.duty, title="恢复后的新舆情")
    assert AuditEvent.objects.filter(incident_id=again.pk, action="report").exists()


def test_a_damaged_backup_is_refused_and_nothing_changes(org, dirs):
    directory = backup.create_backup()
    services.report_incident(org.duty, title="备份后的舆情")
    (directory / "media.tar.gz").write_bytes(b"tampered")
    with pytest.raises(CommandError, match="media.tar.gz 缺失或已损坏"):
        call_command("restore", str(directory), "--yes")
    assert Incident.objects.filter(title="备份后的舆情").exists()
    with pytest.raises(CommandError, match="不是完整的备份目录"):
        call_command("restore", str(dirs.BACKUP_DIR), "--yes")


def test_a_failed_backup_leaves_no_directory_that_looks_whole(org, dirs, monkeypatch):
    def dump_fails(target):
        target.write_bytes(b"half")
        raise backup.BackupError("pg_dump 失败（退出码 1）：connection refused")

    monkeypatch.setattr(backup, "_dump_database", dump_fails)
    with pytest.raises(CommandError, match="pg_dump 失败"):
        call_command("backup", stdout=io.StringIO())
    assert list(dirs.BACKUP_DIR.iterdir()) == []


def test_daily_backups_are_pruned_after_the_kept_days_but_the_newest_stays(org, dirs):
    for day in (1, 2, 20):
        with time_machine.travel(datetime(2026, 11, day, 2, 0, tzinfo=SH), tick=False):
            backup.create_backup()
    with time_machine.travel(datetime(2026, 11, 25, 2, 0, tzinfo=SH), tick=False):
        call_command("backup", "--keep-days", "14", stdout=io.StringIO())
    assert sorted(p.name for p in dirs.BACKUP_DIR.iterdir()) == ["20261120-020000", "20261125-020000"]
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=SH), tick=False):
        assert backup.prune_backups(keep_days=14) == ["20261120-020000"]  # the newest is kept however old
    assert [p.name for p in dirs.BACKUP_DIR.iterdir()] == ["20261125-020000"]
