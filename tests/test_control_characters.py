"""Issue 10 §1: no control character a user can type gets in. Every form (the pages and the Django admin) and
every API body refuses it with a clear message naming the character, and nothing is saved; tab, newline and
carriage return are ordinary typing and stay."""

import importlib
import pkgutil

from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import get_resolver, reverse

from core.api.parsers import StrictFormParser, StrictJSONParser
from core.models import AuditEvent
from core.text import CONTROL_CHARS, first_control_character
from deadlines.models import DeadlinePolicy
from incidents import services
from incidents.models import Feedback, Incident
from org.models import Unit

from .api_support import api_as, relaxed_throttles  # noqa: F401

VT_MESSAGE = "不能包含不可见的控制字符（如 U+000B）。"
US_MESSAGE = "不能包含不可见的控制字符（如 U+001F）。"
PROJECT_APPS = ("core", "org", "workcalendar", "incidents", "deadlines", "notifications", "reporting", "accounts")


def test_the_rule_covers_c0_del_and_c1_but_not_tab_newline_or_ordinary_text():
    for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]:
        assert first_control_character(f"标题{chr(code)}尾") == chr(code), hex(code)
    assert len(CONTROL_CHARS) == 29 + 1 + 32
    for fine in ("第一行\n第二行", "列1\t列2", "Windows\r\n换行", "不间断\u00a0空格", "全角　空格", "emoji 🙂", ""):
        assert first_control_character(fine) is None
    assert first_control_character({"links": [{"url": "https://x.cn/\x1f"}]}) == "\x1f"


# --- the pages ---------------------------------------------------------------------------------------------


def intake(**fields):
    return {
        "title": "网传某校食堂问题",
        "summary": "家长群截图流传",
        "category": "livelihood",
        "first_seen_at": "2026-11-20T09:00",
        "views": 1200,
        "comments": 150,
        "reposts": 20,
        "site_count": 1,
        "media_level": "local",
        "platform": "本地论坛",
        "url": "https://bbs.example.cn/t/1",
        **fields,
    }


def test_the_intake_page_refuses_a_control_character_in_the_title_and_saves_nothing(client, org):
    client.force_login(org.duty)
    response = client.post(reverse("incident_create"), intake(title="网传某校\x0b食堂问题"))
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors["title"] == [VT_MESSAGE]
    assert VT_MESSAGE in response.content.decode()
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_intake_page_keeps_newlines_and_tabs(client, org):
    client.force_login(org.duty)
    summary = "网民称：\r\n1. 饭菜变质\t（图）\r\n2. 学校未回应"
    response = client.post(reverse("incident_create"), intake(summary=summary))
    assert response.status_code == 302
    assert Incident.objects.get().summary == summary


def test_the_ticket_feedback_form_refuses_a_control_character(client, org, dispatched):
    services.claim_ticket(org.edu_liaison, dispatched.lead)
    events = AuditEvent.objects.count()
    client.force_login(org.edu_liaison)
    response = client.post(
        reverse("ticket_action", args=[dispatched.lead.pk, "feedback"]),
        {"feedback-kind": "progress", "feedback-content": "已约谈\x1f校长"},
    )
    assert response.status_code == 400
    assert US_MESSAGE in response.content.decode()
    assert not Feedback.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_settings_page_refuses_a_control_character_and_keeps_the_policy(client, org):
    policy = DeadlinePolicy.objects.filter(is_active=True).first()
    name = policy.name
    client.force_login(org.admin)
    data = {
        "name": "认领\x0b时限",
        "scope": policy.scope,
        "start_event": policy.start_event,
        "duration_amount": 2,
        "duration_unit": "h",
        "channels": ["inbox"],
        "is_active": "on",
        "source": "002 第八条",
    }
    response = client.post(reverse("settings_policy_edit", args=[policy.pk]), data)
    assert response.status_code == 400
    assert VT_MESSAGE in response.content.decode()
    policy.refresh_from_db()
    assert policy.name == name


def test_the_django_admin_refuses_a_control_character(client, org):
    client.force_login(org.admin)
    response = client.post("/admin/org/unit/add/", {"name": "新\x1f单位", "code": "new", "kind": "department"})
    assert response.status_code == 200
    assert US_MESSAGE in response.content.decode()
    assert not Unit.objects.filter(code="new").exists()


def test_signing_in_still_works_and_a_control_character_in_the_password_is_a_form_error(client, org):
    assert client.post("/accounts/login/", {"username": "duty", "password": "pw-123456"}).status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"username": "duty", "password": "pw-\x0b123456"})
    assert response.status_code == 200
    assert VT_MESSAGE in response.content.decode()


def _project_modules():
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _text_fields(form_class):
    # An IP address or a UUID is not free text: its own format check refuses anything else.
    return {
        name: f
        for name, f in form_class.base_fields.items()
        if isinstance(f, forms.CharField)
        and not isinstance(f, (forms.GenericIPAddressField, forms.UUIDField))
        and not f.disabled
    }


def _refuses(field, value):
    try:
        field.clean(value)
    except forms.ValidationError as exc:
        return VT_MESSAGE in exc.messages
    return False


def test_every_text_field_of_every_form_in_the_project_refuses_control_characters():
    list(_project_modules())
    checked = set()
    for form_class in _subclasses(forms.BaseForm):
        if not form_class.__module__.startswith(PROJECT_APPS) or not hasattr(form_class, "base_fields"):
            continue
        for name, field in _text_fields(form_class).items():
            value = '{"说明": "甲\\u000b乙"}' if isinstance(field, forms.JSONField) else "甲\x0b乙"
            assert _refuses(field, value), f"{form_class.__name__}.{name}"
            checked.add(f"{form_class.__name__}.{name}")
    assert {"ReportForm.title", "FeedbackForm.content", "PolicyForm.name", "DispatchForm.instructions"} <= checked
    # Fields made at run time (one per report section) are CharFields too, so they get it by construction.
    assert _refuses(forms.CharField(required=False), "甲\x0b乙")


def test_every_text_field_of_every_admin_form_refuses_control_characters(org):
    request = RequestFactory().get("/admin/")
    request.user = org.admin
    checked = 0
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            form_class = each.get_formset(request).form if hasattr(each, "get_formset") else each.get_form(request)
            for name, field in _text_fields(form_class).items():
                if isinstance(field, forms.JSONField):
                    continue  # checked with the project's forms above; the admin has none of its own
                if field.max_length and field.max_length < 3:
                    continue
                assert _refuses(field, "甲\x0b乙"), f"{model.__name__}.{name}"
                checked += 1
    assert checked > 20


# --- the API -----------------------------------------------------------------------------------------------


def test_the_api_refuses_a_control_character_in_a_new_incident_with_a_400_naming_the_field(api_as, org):  # noqa: F811
    client = api_as(org.duty)
    events = AuditEvent.objects.count()  # issuing the client's token is audited too
    response = client.post("/api/incidents/", {"title": "网传某校\x0b食堂问题"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"title": [VT_MESSAGE]}
    assert "U+000B" in body["detail"]
    assert not Incident.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_api_refuses_a_control_character_in_a_ticket_action(api_as, org, dispatched):  # noqa: F811
    services.claim_ticket(org.edu_liaison, dispatched.lead)
    client = api_as(org.edu_liaison)
    events = AuditEvent.objects.count()
    response = client.post(
        f"/api/tickets/{dispatched.lead.pk}/feedback/", {"kind": "progress", "content": "已约谈\x1f校长"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"content": [US_MESSAGE]}
    assert not Feedback.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_api_names_the_top_level_field_of_a_nested_control_character(api_as, org, make_incident):  # noqa: F811
    response = api_as(org.duty).post(
        "/api/incidents/",
        {"title": "网传某校食堂问题", "links": [{"platform": "微博", "url": "https://weibo.com/\x7f"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"links": ["不能包含不可见的控制字符（如 U+007F）。"]}
    assert not Incident.objects.exists()


def test_the_api_keeps_newlines_and_tabs(api_as, org):  # noqa: F811
    summary = "网民称：\n1. 饭菜变质\t（图）\r\n2. 学校未回应"
    response = api_as(org.duty).post(
        "/api/incidents/", {"title": "网传某校食堂问题", "summary": summary}, format="json"
    )
    assert response.status_code == 201
    assert Incident.objects.get().summary == summary


def test_the_token_endpoint_refuses_a_control_character_in_a_form_body(api_as, org):  # noqa: F811
    response = api_as(None).post(
        "/api/auth/token/", "username=duty&password=pw-%0B123456", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"password": [VT_MESSAGE]}


def _api_views():
    pending = [("", p) for p in get_resolver().url_patterns]
    while pending:
        prefix, pattern = pending.pop()
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            pending.extend((route, p) for p in pattern.url_patterns)
            continue
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is not None and route.lstrip("^").startswith("api/"):
            yield route, view_class


def test_every_api_endpoint_parses_bodies_with_the_strict_parsers():
    seen = 0
    for route, view_class in _api_views():
        for parser in view_class.parser_classes:
            assert issubclass(parser, (StrictJSONParser, StrictFormParser)), f"{route}: {parser.__name__}"
        seen += 1
    assert seen > 10
