"""One interface for every notice, with channel backends: in-app inbox (always), email (Django's
mail), SMS (a pluggable gateway). Rows are written inside the caller's transaction; delivery of
email and SMS happens after commit, so a rolled-back change never sends anything.

Every notice fits its row by construction (fit()): whatever a user typed into a title, writing the
notice never fails and so never stops the timed checks or the service that sends it. The inbox keeps
the relative link; email and SMS carry it absolute (SITE_URL), since they are read outside the site."""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import CharField
from django.utils import timezone

from deadlines.models import DeadlineStep
from incidents.clearance import SENSITIVE_ONE, cleared_user_ids
from incidents.models import Incident, Ticket
from notifications.models import Notification
from notifications.sms import gateway
from org.recipients import phone_of

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def _column_length(name: str) -> int:
    """The length of a Notification column, which what goes into it is fitted to."""
    field = Notification._meta.get_field(name)
    if not isinstance(field, CharField) or field.max_length is None:
        raise TypeError(f"Notification.{name} is not a text column of bounded length")
    return field.max_length


TITLE_MAX = _column_length("title")
LINK_MAX = _column_length("link")
ELLIPSIS = "…"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def fit(text: str | None, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when cut. Python strings index by
    character, so a cut never splits one."""
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


def one_line(text: str | None) -> str:
    """A title is one line: control characters (a line break, U+000B …) read as one space; an email
    subject may not contain them at all."""
    return _CONTROL.sub(" ", text or "").strip()


def _fit_link(link: str) -> str:
    # A cut path leads nowhere: drop the query string first, and the link only if the path alone is too long.
    if len(link) <= LINK_MAX:
        return link
    path = link.split("?", 1)[0]
    if len(path) <= LINK_MAX:
        return path
    logger.warning("notice link longer than %s characters dropped: %s", LINK_MAX, link[:LINK_MAX])
    return ""


def absolute(link: str) -> str:
    """The link as read outside the site (email, SMS): SITE_URL joined to the site's relative path."""
    if not link or "://" in link:
        return link
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/")


def parse_channels(spec: str | None) -> list[str]:
    channels = [c.strip() for c in (spec or "").split(",") if c.strip() in Notification.Channel.values]
    return list(dict.fromkeys([Notification.Channel.INBOX, *channels]))


def sensitive_title(title: str, head: str | None = None) -> str:
    """The title an uncleared reader gets for a confidential incident: the notice's kind and timing (`head`, or
    the title's leading 【…】 tag, else what comes before its first "：") and SENSITIVE_ONE, nothing of the item."""
    if head is None:
        title = one_line(title)
        head = title[: title.index("】") + 1] if title.startswith("【") and "】" in title else title.split("：", 1)[0]
    head = head.rstrip("：:｜ ")
    return f"{head}：{SENSITIVE_ONE}" if head else SENSITIVE_ONE


@dataclass
class Notice:
    """One notice to several people, as notify() takes it (the timed checks' batches write theirs with
    notifications.bulk)."""

    recipients: Iterable[User]
    title: str
    body: str = ""
    link: str | None = ""
    incident: Incident | None = None
    ticket: Ticket | None = None
    step: DeadlineStep | None = None
    channels: str = "inbox"
    sensitive_head: str | None = None


HIDDEN_BODY = f"{SENSITIVE_ONE}：该舆情限制知悉，请登录系统查看；无权查看的请联系办公室。"


def _rows(notice: Notice, cleared: set[int], now) -> list[Notification]:
    title, link = fit(one_line(notice.title), TITLE_MAX), _fit_link(notice.link or "")
    people = list({user.pk: user for user in notice.recipients}.values())
    hidden_title = fit(one_line(sensitive_title(title, notice.sensitive_head)), TITLE_MAX)
    rows: list[Notification] = []
    for user in people:
        shown_title, shown_body = (title, notice.body) if user.pk in cleared else (hidden_title, HIDDEN_BODY)
        for channel in parse_channels(notice.channels):
            inbox = channel == Notification.Channel.INBOX
            rows.append(
                Notification(
                    recipient=user,
                    channel=channel,
                    title=shown_title,
                    body=shown_body,
                    link=link,
                    incident=notice.incident,
                    ticket=notice.ticket,
                    step=notice.step,
                    created_at=now,
                    status=Notification.Status.SENT if inbox else Notification.Status.PENDING,
                    sent_at=now if inbox else None,
                )
            )
    return rows


def _write(rows: list[Notification]) -> list[Notification]:
    created = Notification.objects.bulk_create(rows) if rows else []
    pending = [n.pk for n in created if n.status == Notification.Status.PENDING and n.pk]
    if pending:
        transaction.on_commit(lambda: deliver(pending))
    return created


def notify(
    recipients: Iterable[User],
    *,
    title: str,
    body: str = "",
    link: str | None = "",
    incident: Incident | None = None,
    ticket: Ticket | None = None,
    step: DeadlineStep | None = None,
    channels: str = "inbox",
    sensitive_head: str | None = None,
) -> list[Notification]:
    """Queue one notice per recipient and channel; returns the rows. Deduplicates recipients. The title
    and link are fitted to their columns (see fit()).

    A notice about a confidential incident carries its title and body only to the recipients who may open the
    incident (incidents.clearance); the others get sensitive_title() and the link, so the inbox and the SMS of
    someone not cleared say only that there is one (issue 11 §1; docs/rules.md §8)."""
    people = list({user.pk: user for user in recipients}.values())
    notice = Notice(people, title, body, link, incident, ticket, step, channels, sensitive_head)
    return _write(_rows(notice, cleared_user_ids(people, incident), timezone.now()))


def _send(notification: Notification) -> str:
    user = notification.recipient
    if notification.channel == Notification.Channel.EMAIL:
        if not user.email:
            return Notification.Status.SKIPPED
        send_mail(
            notification.title, f"{notification.body}\n\n{absolute(notification.link)}".strip(), None, [user.email]
        )
        return Notification.Status.SENT
    if notification.channel == Notification.Channel.SMS:
        phone = phone_of(user)
        if not phone:
            return Notification.Status.SKIPPED
        gateway().send(phone, f"{notification.title} {absolute(notification.link)}".strip())
        return Notification.Status.SENT
    return Notification.Status.SENT


def deliver(ids: Iterable[int] | None = None) -> int:
    """Send pending email/SMS notices (all of them, or those in `ids`). Each row is locked while it is
    sent, so two workers never send the same notice."""
    qs = Notification.objects.filter(status=Notification.Status.PENDING, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    delivered = 0
    for pk in list(qs.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            n = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=pk, status=Notification.Status.PENDING)
                .first()
            )
            if n is None:
                continue
            n.attempts += 1
            try:
                n.status = _send(n)
                n.sent_at = timezone.now() if n.status == Notification.Status.SENT else None
                n.error = ""
                delivered += n.status == Notification.Status.SENT
            except Exception as exc:  # a gateway failure must not lose the notice: retried next sweep
                logger.exception("delivery of notification %s failed", n.pk)
                n.error = str(exc)[:1000]
                n.status = Notification.Status.PENDING if n.attempts < MAX_ATTEMPTS else Notification.Status.FAILED
            n.save(update_fields=["status", "sent_at", "error", "attempts"])
    return delivered
