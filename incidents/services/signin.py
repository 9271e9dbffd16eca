"""Sign-in events kept in the audit trail."""

from core import audit


def record_failed_login(*, username: str, ip: str | None = None) -> None:
    """A failed sign-in (API token or otherwise) is kept in the audit trail, who tried and from where."""
    audit.record(None, "login_failed", None, after={"username": (username or "")[:150]}, ip=ip)
