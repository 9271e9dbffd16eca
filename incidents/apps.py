from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "舆情处置"

    def ready(self):
        from core import audit
        from incidents.workflow import INCIDENT, TICKET

        # Imported here: app modules load before models are ready (Django's AppConfig.ready contract).
        audit.register_labels(
            incident={t.action: t.label for t in INCIDENT.transitions.values()},
            ticket={t.action: t.label for t in TICKET.transitions.values()},
        )
