"""Rebuild the shipped document templates (reporting/documents/templates/<kind>.docx) from
reporting/documents/layout.py; commit the .docx files it writes (issue 13)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from reporting.documents.build_templates import TEMPLATES, build_all


class Command(BaseCommand):
    help = "Rebuild the shipped .docx templates of every kind of document."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(TEMPLATES), help="directory to write to (default: the shipped one)")

    def handle(self, *args, out, **options):
        for path in build_all(Path(out)):
            self.stdout.write(str(path))
