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
        # The upward 专报 shares the 专报's 代字: the reporting app's numbering counts its numbers too (GB/T 9704 7.2.4).
        from followup.services import highest_upward_sequence
        from reporting.documents import numbering

        numbering.share_series(Report.Kind.SPECIAL, highest_upward_sequence)
        audit.register_labels(
            incident={
                "aftercare_watch_started": "销号后开始持续关注",
                "aftercare_watch_restarted": "再次销号，重新开始持续关注",
                "aftercare_prompt": "持续关注提示",
                "aftercare_evaluation_written": "完成总结评估",
                "upward_report_recorded": "向上报送专报",
                "reply_cites_joint_review": "回应引用会商研判",
            }
        )
