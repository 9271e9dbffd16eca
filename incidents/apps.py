from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "舆情处置"

    def ready(self):
        from core import audit
        from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
        from incidents.models import Feedback, Grade, LeaderReport, Reply, TicketRole
        from incidents.workflow import INCIDENT, REPLY_DRAFT, TICKET, IncidentStatus, ReplyDraftState, TicketStatus

        # Imported here: app modules load before models are ready (Django's AppConfig.ready contract).
        # Each object's own labels (core.audit): an incident's "dispatched" is 已转办, a ticket's 待认领.
        def labels(machine):
            return {t.action: t.label for t in machine.transitions.values()}

        audit.register_labels("*", values={"grade": dict(Grade.choices), "role": dict(TicketRole.choices)})
        audit.register_labels("incident", actions=labels(INCIDENT), values={"status": dict(IncidentStatus.choices)})
        audit.register_labels(
            "ticket",
            actions=labels(TICKET),
            values={"status": dict(TicketStatus.choices), "kind": dict(Feedback.Kind.choices)},
        )
        audit.register_labels(
            "replydraft",
            actions=labels(REPLY_DRAFT),
            values={"state": dict(ReplyDraftState.choices), "kind": dict(Reply.Kind.choices)},
            fields={"channel": "发布渠道"},
        )
        audit.register_labels("reply", values={"kind": dict(Reply.Kind.choices)}, fields={"channel": "发布渠道"})
        audit.register_labels("leaderreport", values={"channel": dict(LeaderReport.Channel.choices)})
        audit.register_labels(
            "deadline", values={"kind": dict(DeadlineKind.choices), "state": dict(Deadline.State.choices)}
        )
        audit.register_labels("extensionrequest", values={"state": dict(ExtensionRequest.State.choices)})
