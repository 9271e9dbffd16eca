"""notify() for the timed checks' batches: the same rows (one per recipient and channel, titles and links fitted to
their columns, a confidential incident's title only to the recipients cleared for it) written as plain tuples in one
statement, without a model instance per row. Django's bulk_create costs more Python per row (instances, per-field
preparation) than the database spends inserting them; a batch of 1,000 breaches writes 5,000 notices (issue 16).

The caller gives ids, not instances, for what a notice is about, and whether its incident is confidential (the
batch read it already); who may open a confidential incident is asked once per recipient of those, not per
notice."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from incidents.selectors import visible_incidents
from notifications.models import Notification
from notifications.notify import HIDDEN_BODY, TITLE_MAX, _fit_link, deliver, fit, one_line, parse_channels
from notifications.notify import sensitive_title as sensitive

COLUMNS = (
    "recipient_id",
    "channel",
    "title",
    "body",
    "link",
    "incident_id",
    "ticket_id",
    "step_id",
    "created_at",
    "status",
    "attempts",
    "sent_at",
    "error",
)


@dataclass
class BulkNotice:
    """One notice to several people, by ids: what notify() takes, for insert_notices()."""

    recipients: Sequence[User]
    title: str
    link: str
    incident_id: int | None
    confidential: bool
    ticket_id: int | None = None
    step_id: int | None = None
    channels: str = "inbox"
    sensitive_head: str | None = None
    body: str = ""


def _cleared(notices: list[BulkNotice]) -> dict[int, set[int]]:
    """user id -> the confidential incidents among `notices` the user may open: one query per such recipient."""
    asked: dict[int, set[int]] = {}
    users: dict[int, User] = {}
    for n in notices:
        if n.confidential and n.incident_id is not None:
            for user in n.recipients:
                asked.setdefault(user.pk, set()).add(n.incident_id)
                users[user.pk] = user
    return {
        pk: set(visible_incidents(users[pk]).filter(pk__in=ids).values_list("pk", flat=True))
        for pk, ids in asked.items()
    }


def rows(notices: list[BulkNotice], now: datetime | str) -> list[tuple]:
    """The rows notify() would write for each notice, as tuples in COLUMNS' order."""
    may_open = _cleared(notices)
    out: list[tuple] = []
    # Per channel list, once: each channel with its status and sent time (an inbox notice is delivered as written).
    sent, pending = str(Notification.Status.SENT), str(Notification.Status.PENDING)
    channel_plans: dict[str, list[tuple[str, str, datetime | str | None]]] = {}
    for n in notices:
        title, link = fit(one_line(n.title), TITLE_MAX), _fit_link(n.link or "")
        hidden = fit(one_line(sensitive(title, n.sensitive_head)), TITLE_MAX) if n.confidential else title
        if (channels := channel_plans.get(n.channels)) is None:
            channels = channel_plans[n.channels] = [
                (c, sent, now) if c == Notification.Channel.INBOX else (c, pending, None)
                for c in parse_channels(n.channels)
            ]
        seen: set[int] = set()
        for user in n.recipients:
            pk = user.id  # the attribute, not the pk property's lookup of the model's key: 5,000 a batch
            if pk in seen:
                continue
            seen.add(pk)
            cleared = not n.confidential or n.incident_id in may_open.get(pk, ())
            shown_title, shown_body = (title, n.body) if cleared else (hidden, HIDDEN_BODY)
            for channel, status, sent_at in channels:
                out.append(
                    (pk, channel, shown_title, shown_body, link, n.incident_id, n.ticket_id, n.step_id, now, status, 0,
                     sent_at, "")
                )  # fmt: skip
    return out


def insert_rows(model: type[Model], columns: Sequence[str], found: list[tuple]) -> None:
    """INSERT the rows (tuples in `columns`' order, column names as attnames) in one statement. On PostgreSQL they
    travel as one JSON parameter unpacked by the server (jsonb_array_elements, each column cast to its type):
    Django's psycopg cursor binds parameters in Python, and quoting thousands of values one by one, or as arrays,
    costs more than the INSERT itself. Elsewhere (SQLite) executemany of the tuples, datetimes adapted as the ORM
    adapts them."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    fields = [model._meta.get_field(c) for c in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            exprs = []
            for i, f in enumerate(fields):
                kind = f.db_type(connection)
                exprs.append(f"r->{i}" if kind == "jsonb" else f"(r->>{i})::{kind}")
            payload = json.dumps(found, default=_json_value, ensure_ascii=False)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM jsonb_array_elements(%s::jsonb) r",
                [payload],
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            rows = [tuple(adapt(v) if isinstance(v, datetime) else _sqlite(v) for v in row) for row in found]
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def _sqlite(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def insert_notices(notices: list[BulkNotice]) -> int:
    """Write the notices' rows in one statement; e-mail and SMS rows are delivered after commit, as notify()'s are
    (the notices of a step: a sweep's always are). Returns the number of rows."""
    now = timezone.now()
    # On PostgreSQL the rows travel as JSON: the time as its ISO text once, not converted again for every row.
    found = rows(notices, now.isoformat() if connection.vendor == "postgresql" else now)
    if not found:
        return 0
    insert_rows(Notification, COLUMNS, found)
    pending = {row[7] for row in found if row[9] == Notification.Status.PENDING}
    if pending:
        ids = list(
            Notification.objects.filter(step_id__in=pending, status=Notification.Status.PENDING).values_list(
                "pk", flat=True
            )
        )
        transaction.on_commit(lambda: deliver(ids))
    return len(found)
