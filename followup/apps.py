from django.apps import AppConfig


class FollowupConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "followup"
    verbose_name = "会商研判与上报交办"

    def ready(self):
        # incidents publishes replies but may not import followup: 002 第九条's citation check registers there.
        from followup.citation import cite_joint_review
        from incidents import reply_checks

        reply_checks.register(cite_joint_review)
        # reporting may not import followup either: the quarterly 通报's 后期处置 section (000 三.3) registers there.
        from core import audit
        from followup.aftercare_figures import TITLE, aftercare_section
        from reporting import figure_sources
        from reporting.models import Report

        figure_sources.register("aftercare", TITLE, (Report.Kind.QUARTERLY,), aftercare_section)
        audit.register_labels(
            incident={
                "aftercare_watch_started": "销号后开始持续关注",
                "aftercare_watch_restarted": "再次销号，重新开始持续关注",
                "aftercare_prompt": "持续关注提示",
                "aftercare_evaluation_written": "完成总结评估",
                "upward_report_recorded": "向上报送专报",
            }
        )
