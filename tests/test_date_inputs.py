"""Every date and date-time input of every form in the project renders an ISO value (issue 14): zh-hans formats a
date as 2026/10/01, which <input type="date"> rejects, so the ledger and assessment forms showed their dates empty.
The native pickers stay (type="date", type="datetime-local")."""

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django import forms

from reporting.period_forms import LedgerForm, PeriodForm, PeriodicReportForm

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", ".venv-tools", "tests", "bench", "node_modules", "var", "migrations"}
DAY = datetime.date(2026, 10, 1)
INSTANT = datetime.datetime(2026, 10, 1, 9, 30)


def form_modules():
    """Every module of the project whose name says it holds forms (forms.py, *_forms.py, forms/ packages)."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part in SKIP or part.startswith(".") for part in parts):
            continue
        if "forms" in path.stem or "forms" in parts[:-1]:
            yield ".".join((*parts[:-1], path.stem))


def project_form_classes():
    modules = [importlib.import_module(name) for name in form_modules()]
    names = {module.__name__ for module in modules}
    seen, stack, found = set(), [forms.BaseForm], []
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if sub.__module__ in names:
                    found.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def date_fields():
    for form_class in project_form_classes():
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateTimeField | forms.DateField):
                yield pytest.param(form_class, name, field, id=f"{form_class.__module__}.{form_class.__name__}.{name}")


def value_of(html):
    match = re.search(r'value="([^"]*)"', html)
    return match[1] if match else None


def test_the_forms_with_dates_are_all_found():
    found = {f"{c.__name__}.{n}" for c, n, _ in (p.values for p in date_fields())}
    assert {"PeriodForm.start", "LedgerForm.end", "SupervisionForm.due_at", "RiskNoticeForm.due_at"} <= found
    assert len(found) >= 10


@pytest.mark.parametrize(("form_class", "name", "field"), list(date_fields()))
def test_every_date_input_renders_an_iso_value_and_keeps_its_native_picker(form_class, name, field):
    if isinstance(field, forms.DateTimeField):
        html = field.widget.render(name, INSTANT)
        assert 'type="datetime-local"' in html, html
        assert value_of(html) == "2026-10-01T09:30", html
    elif 'type="month"' in field.widget.render(name, DAY):  # a month picker: ISO too (2026-10)
        assert value_of(field.widget.render(name, DAY)) == "2026-10"
    else:
        html = field.widget.render(name, DAY)
        assert 'type="date"' in html, html
        assert value_of(html) == "2026-10-01", html


def test_the_ledger_and_assessment_forms_show_their_dates(org, client):
    """The bound forms as the pages render them: the ledger's and the assessment's period."""
    form = LedgerForm(initial={"start": DAY, "end": DAY + datetime.timedelta(days=30)})
    html = str(form["start"]) + str(form["end"])
    assert 'value="2026-10-01"' in html and 'value="2026-10-31"' in html and "2026/10" not in html
    bound = PeriodForm({"start": "2026-10-01", "end": "2026-10-31"})
    assert bound.is_valid() and 'value="2026-10-01"' in str(bound["start"])
    assert 'value="2026-10-01"' in str(PeriodicReportForm(initial={"start": DAY})["start"])
    client.force_login(org.duty)
    page = client.get("/reports/assessment/", {"start": "2026-10-01", "end": "2026-10-31"}).content.decode()
    assert 'type="date"' in page and 'value="2026-10-01"' in page and 'value="2026/10/01"' not in page
