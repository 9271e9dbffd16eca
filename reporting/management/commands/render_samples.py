"""Build one sample of every document from the demo county and render its first pages to PNG, so a person
can look at them (issue 6: "a sample of each document committed under docs/samples/").

    python manage.py render_samples [--out docs/samples] [--pages 2]

Everything it writes to the database (demo data, a risk topic, a 通报批评) is rolled back at the end, so it
is safe on any database; documents are compiled with the same functions the services use and rendered
through the same writer, but nothing is stored as a report."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo.incidents import seed_demo
from incidents.models import Grade, Incident, Ticket, TicketRole
from reporting import documents, pdf, risk, special, supervision
from reporting.daily import compile_daily_content
from reporting.ledger import build_ledger
from reporting.models import Criticism, Report, RiskTopic
from reporting.periodic import compile_periodic_content, period_bounds


class Command(BaseCommand):
    help = "生成各类文书样例（.docx/.xlsx）并渲染为 PNG，保存到 docs/samples/"

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/samples")
        parser.add_argument("--pages", type=int, default=2)
        parser.add_argument("--dpi", type=int, default=60)

    def handle(self, *args, out, pages, dpi, **options):
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            samples = self.build()
            transaction.set_rollback(True)  # samples only: leave the database as it was
        for name, extension, data in samples:
            (out / f"{name}.{extension}").write_bytes(data)
            for old in out.glob(f"{name}-*.png"):
                old.unlink()
            # A ledger page is a whole A4-landscape table fitted to the width: it needs more dots to be read.
            scale = 2 if extension == "xlsx" else 1
            rendered = pdf.pdf_to_png_pages(
                pdf.convert_to_pdf(data, extension=extension), out / name, last=pages, dpi=dpi * scale
            )
            self.stdout.write(f"{name}.{extension} → {', '.join(p.name for p in rendered)}")

    def build(self):
        seed_demo()
        now = timezone.now()
        duty_user = Incident.objects.exclude(reported_by=None).first().reported_by
        samples = [
            ("daily", "docx", documents.render_docx(compile_daily_content(now - datetime.timedelta(hours=24), now)))
        ]

        major = Incident.objects.filter(grade__in=(Grade.I, Grade.II)).order_by("grade", "id").first()
        tickets = list(major.tickets.select_related("unit").order_by("role", "id"))
        samples.append(
            (
                "special",
                "docx",
                documents.render_docx(special.compile_special_content(major, tickets, list(major.links.all()))),
            )
        )

        ticket = Ticket.objects.filter(role=TicketRole.LEAD, claimed_at__isnull=True, status="dispatched").first()
        content = supervision.compile_supervision_content(
            ticket,
            reason="转办后超过认领时限仍未认领，请立即认领并核实处置。",
            due_at=now + datetime.timedelta(days=1),
            sequence=1,
        )
        samples.append(("supervision", "docx", documents.render_docx(content)))

        topic = RiskTopic.objects.create(
            name="校园食品安全",
            keywords="食堂,饭菜,校园",
            unit=ticket.unit,
            window_days=30,
            threshold=1,
            measures="加强学校食堂日常检查，及时公开抽检结果。",
        )
        content = risk.compile_risk_notice_content(
            topic, now=now, requirements="请于3个工作日内组织排查并书面反馈。", due_at=now + datetime.timedelta(days=3)
        )
        samples.append(("risk_notice", "docx", documents.render_docx(content)))

        Criticism.objects.create(
            unit=ticket.unit,
            ticket=ticket,
            cause=Criticism.Cause.LATE,
            reason="转办事项逾期未反馈",
            recorded_by=duty_user,
        )
        # The demo county lives in the current period: sample the periods running now.
        today = timezone.localdate(now)
        week = today - datetime.timedelta(days=today.weekday())
        starts = {
            Report.Kind.WEEKLY: week,
            Report.Kind.MONTHLY: today.replace(day=1),
            Report.Kind.QUARTERLY: datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1),
        }
        for kind, first_day in starts.items():
            start, end = period_bounds(kind, first_day)
            samples.append((kind, "docx", documents.render_docx(compile_periodic_content(kind, start, end, now=now))))
        start, end = period_bounds(Report.Kind.QUARTERLY, starts[Report.Kind.QUARTERLY])
        samples.append(("ledger", "xlsx", build_ledger(start=start, end=end, now=now)))
        return samples
