"""Every write to incidents, tickets, replies and their clearance. Each function checks the actor's permission,
validates, applies the state transition and writes the audit event, all in one transaction.

Order of checks: visibility (404), role (403), state (409), input (400). Nothing is written unless all pass.

The modules, by topic: `intake` (report, idempotent intake, merge), `triage` (grade, 历史遗留问题, dismiss),
`tickets` (dispatch, claim, designate, return, feedback), `signoff` (close, send back, reopen), `replies`
(published replies, reply drafts and their approval), `leader_reports` (报告领导), `clearance` (知悉范围 grants),
`signin` (failed sign-ins). What they share (row locks, permission check, audited moves) is in `_common`.

This package re-exports the public functions, so callers write `from incidents import services` and
`services.dispatch_incident(...)`; a module may also be imported by name (`from incidents.services import
tickets`)."""

from incidents.services.bulk import bulk_dispatch, bulk_remind, remind_ticket  # noqa: F401 — 批量转办/催办 (issue 18)
from incidents.services.clearance import grant_confidential_access, revoke_confidential_access
from incidents.services.intake import merge_incident, report_incident, report_incident_once
from incidents.services.leader_reports import may_record_leader_report, record_leader_report
from incidents.services.replies import (
    PUBLICATION_URL_ERROR,
    approve_reply,
    draft_reply,
    publication_url_ok,
    publish_reply,
    reply_approver,
    reply_approvers,
    send_back_reply,
)
from incidents.services.signin import record_failed_login
from incidents.services.signoff import close_incident, may_close, reopen_incident, send_back_incident
from incidents.services.tickets import assign_ticket, claim_ticket, dispatch_incident, return_ticket, submit_feedback
from incidents.services.triage import dismiss_incident, grade_incident, set_historical

__all__ = [
    "PUBLICATION_URL_ERROR",
    "approve_reply",
    "assign_ticket",
    "claim_ticket",
    "close_incident",
    "dismiss_incident",
    "dispatch_incident",
    "draft_reply",
    "grade_incident",
    "grant_confidential_access",
    "may_close",
    "may_record_leader_report",
    "merge_incident",
    "publication_url_ok",
    "publish_reply",
    "record_failed_login",
    "record_leader_report",
    "reopen_incident",
    "reply_approver",
    "reply_approvers",
    "report_incident",
    "report_incident_once",
    "return_ticket",
    "revoke_confidential_access",
    "send_back_incident",
    "send_back_reply",
    "set_historical",
    "submit_feedback",
]
