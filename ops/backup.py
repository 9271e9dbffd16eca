"""Backup and restore (GB/T 22239-2019 8.1.4.9 数据备份恢复 a: 提供重要数据的本地数据备份与恢复功能).

A backup is one timestamped directory: the database (PostgreSQL: `pg_dump` custom format; SQLite: the
online backup API, consistent while the application runs), the media files as a tar, and a manifest with
each file's SHA-256. It is written under a hidden name and renamed when complete, so a directory that
exists is a whole backup. Restore checks the manifest, replaces the database and the media, and carries
over the audit rows written since the backup: a restore must not cut the trail short (网络安全法 第二十一条)."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from reporting.versions import remove_orphan_files

STAMP = "%Y%m%d-%H%M%S"
MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar.gz"
DB_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or restore could not be done; the message is for the operator (zh-hans)."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_args(binary):
    db = connection.settings_dict
    if shutil.which(binary) is None:
        raise BackupError(f"未找到 {binary}：请安装与数据库同一或更高主版本的 PostgreSQL 客户端。")
    args = [binary, "--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env, db["NAME"]


def _run(cmd, env):
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} 失败（退出码 {result.returncode}）：{result.stderr.strip()[:500]}")


def _dump_database(target):
    if connection.vendor == "postgresql":
        args, env, name = _pg_args("pg_dump")
        _run([*args, "--format=custom", "--file", str(target), name], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # online: consistent while web and worker keep writing
        copy.close()
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")


def _load_database(source):
    if connection.vendor == "postgresql":
        args, env, name = _pg_args("pg_restore")
        connection.close()  # our own session must not hold locks on the tables being replaced
        _run(
            [*args, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", name, str(source)], env
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(source) as backup:
            backup.backup(connection.connection)
        backup.close()


def create_backup(root=None, *, now=None):
    """Write a backup directory under `root` (settings.BACKUP_DIR) and return its path."""
    root = Path(root or settings.BACKUP_DIR)
    now = timezone.localtime(now or timezone.now())
    name = now.strftime(STAMP)
    final, partial = root / name, root / f".{name}.partial"
    if final.exists():
        raise BackupError(f"备份目录已存在：{final}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        last_audit_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        db_file = partial / DB_FILES[connection.vendor] if connection.vendor in DB_FILES else partial / "database"
        _dump_database(db_file)
        media = Path(settings.MEDIA_ROOT)
        remove_orphan_files()  # a document whose transaction never committed is not backed up
        with tarfile.open(partial / MEDIA_TAR, "w:gz") as tar:
            if media.is_dir():
                for child in sorted(media.iterdir()):
                    tar.add(child, arcname=child.name)
        manifest = {
            "created_at": now.isoformat(),
            "engine": connection.vendor,
            "last_audit_id": last_audit_id,
            "files": {p.name: _sha256(p) for p in sorted(partial.iterdir())},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    with transaction.atomic():
        audit.record(None, "backup_created", None, after={"directory": str(final), "engine": connection.vendor})
    return final


def read_manifest(directory):
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{directory} 不是完整的备份目录（缺少或无法读取 {MANIFEST}）。") from None
    for name, digest in manifest["files"].items():
        if not (directory / name).is_file() or _sha256(directory / name) != digest:
            raise BackupError(f"备份文件 {name} 缺失或已损坏（校验和不符），不能恢复。")
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，当前为 {connection.vendor}，不能恢复。")
    return manifest


def restore_backup(directory):
    """Replace the database and the media with a backup's. Audit rows written after the backup are put
    back into the restored database, so restoring cannot erase the trail since then."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    newer = list(AuditEvent.objects.filter(id__gt=manifest["last_audit_id"]).order_by("id").values())
    _load_database(directory / DB_FILES[manifest["engine"]])
    with transaction.atomic():
        present = set(AuditEvent.objects.filter(id__in=[e["id"] for e in newer]).values_list("id", flat=True))
        AuditEvent.objects.bulk_create([AuditEvent(**e) for e in newer if e["id"] not in present])
        with connection.cursor() as cursor:  # PostgreSQL: the id sequence continues after the carried rows
            for sql in connection.ops.sequence_reset_sql(no_style(), [AuditEvent]):
                cursor.execute(sql)
        audit.record(
            None, "backup_restored", None, after={"directory": str(directory), "created_at": manifest["created_at"]}
        )
    _restore_media(directory / MEDIA_TAR)
    return manifest


def _restore_media(archive):
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    for child in media.iterdir():  # the directory itself may be a mount point: empty it, do not replace it
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(media, filter="data")  # refuses absolute paths, "..", devices and links out of the tree


def prune_backups(root=None, *, keep_days, now=None):
    """Delete backup directories older than `keep_days`; returns their names. The newest is always kept."""
    root = Path(root or settings.BACKUP_DIR)
    now = now or timezone.now()
    dated = []
    for path in root.iterdir() if root.is_dir() else []:
        try:
            dated.append((timezone.make_aware(datetime.strptime(path.name, STAMP)), path))
        except ValueError:
            continue
    dated.sort()
    removed = []
    for created, path in dated[:-1]:
        if now - created > timedelta(days=keep_days):
            shutil.rmtree(path)
            removed.append(path.name)
    return removed
