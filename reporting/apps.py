from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "报告与考核"

    def ready(self):
        from core import audit

        # Imported here: core.audit loads the audit model, which is not ready when app modules load.
        audit.register_labels(
            incident={
                "supervision_drafted": "编制舆情督报草稿",
                "risk_notice_drafted": "编制网络风险提示函草稿",
                "report_recalled": "撤回文书",
            }
        )
