"""Build one sample of every document from the demo county and render its first pages to PNG, so a person
can look at them (issue 6: "a sample of each document committed under docs/samples/").

    python manage.py render_samples [--out docs/samples] [--pages 4] [--dpi 150]

Every kind of document (issue 13), the 专报 both as a 简报 and as the 公文 sent upward, and the ledger. Everything
it writes to the database (demo data, numbers, settings, a risk topic, a 通报批评) is rolled back at the end, so it
is safe on any database; documents are compiled, numbered and headed with the same functions the services use
and rendered and converted (reporting.pdf) as a download is, but nothing is stored as a report."""

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
from reporting.models import Criticism, Report, ReportSettings, RiskTopic
from reporting.periodic import compile_periodic_content, period_bounds


class Command(BaseCommand):
    help = "生成各类文书样例（.docx/.xlsx）并渲染为 PNG，保存到 docs/samples/"

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/samples")
        parser.add_argument("--pages", type=int, default=4)
        parser.add_argument("--dpi", type=int, default=150)

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
            rendered = pdf.pdf_to_png_pages(
                pdf.convert_to_pdf(data, extension=extension), out / name, last=pages, dpi=dpi
            )
            self.stdout.write(f"{name}.{extension} → {', '.join(p.name for p in rendered)}")

    def build(self):
        """The samples, numbered and headed as the services make them (documents.take_number, letterhead)."""
        seed_demo()
        now = timezone.now()
        settings = ReportSettings.current()
        settings.signer = settings.signer or "张三"  # 签发人 of the upward 专报 (the demo leaves it empty)
        settings.save()
        duty_user = Incident.objects.exclude(reported_by=None).first().reported_by
        content = compile_daily_content(now - datetime.timedelta(hours=24), now)
        content |= documents.letterhead(Report.Kind.DAILY, documents.take_number(Report.Kind.DAILY, now), now=now)
        samples = [("daily", "docx", documents.render_docx(content))]

        major = Incident.objects.filter(grade__in=(Grade.I, Grade.II)).order_by("grade", "id").first()
        tickets = list(major.tickets.select_related("unit").order_by("role", "id"))
        links = list(major.links.all())
        # The 专报 as an internal briefing, then as a 公文 sent upward (ReportSettings.special_upward).
        for name, upward in (("special", False), ("special_upward", True)):
            settings.special_upward = upward
            settings.save()
            numbers = documents.take_number(Report.Kind.SPECIAL, now)
            content = special.compile_special_content(major, tickets, links, numbers=numbers)
            samples.append((name, "docx", documents.render_docx(content)))

        # The demo's units claim at once (a demo left running sends no 督办), so the 督报 sample takes an open lead
        # ticket whatever its step.
        leads = Ticket.objects.filter(role=TicketRole.LEAD).order_by("claimed_at", "id")
        ticket = leads.exclude(status__in=("closed", "returned")).first() or leads.first()
        content = supervision.compile_supervision_content(
            ticket,
            reason="转办后超过认领时限仍未认领，请立即认领并核实处置。",
            due_at=now + datetime.timedelta(days=1),
            sequence=1,
            numbers=documents.take_number(Report.Kind.SUPERVISION, now),
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
            topic,
            now=now,
            requirements="请于3个工作日内组织排查并书面反馈。",
            due_at=now + datetime.timedelta(days=3),
            numbers=documents.take_number(Report.Kind.RISK_NOTICE, now),
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
            content = compile_periodic_content(kind, start, end, now=now)
            content |= documents.letterhead(kind, documents.take_number(kind, now), now=now)
            samples.append((kind, "docx", documents.render_docx(content)))
        start, end = period_bounds(Report.Kind.QUARTERLY, starts[Report.Kind.QUARTERLY])
        samples.append(("ledger", "xlsx", build_ledger(start=start, end=end, now=now)))
        return samples
