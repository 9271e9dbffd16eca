"""The Django admin is Chinese throughout (issue 14): every registered ModelAdmin's list, add and change page, as
the person who may open it (a superuser; the security administrator for people and roles; the audit administrator
for the trail), shows no English column head, label or widget text, labels end with "：", the filter_horizontal
widget's JavaScript strings are Chinese, and the audit list shows actions and objects as labels, not raw codes."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from core.models import AuditEvent
from deadlines.models import DeadlinePolicy
from demo.incidents import seed_demo
from demo.reporting import seed_reporting

# What Django and the apps show in English when a catalog or a verbose name is missing.
KNOWN_ENGLISH = [
    "Model name",
    "Add link",
    "Change or view list link",
    "Created at",
    "Updated at",
    "Ticket",
    "Incident",
    "User",
    "Recipient",
    "Step",
    "Status",
    "Access attempts",
    "Access logs",
    "Axes",
    "Can add",
    "Can change",
    "Can view",
    "Can delete",
    "Choose all",
    "Remove all",
    "Available",
    "Chosen",
]


class VisibleText(HTMLParser):
    """Text a person reads or hears: text nodes (no script or style) and title/aria-label/placeholder values."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "select"):
            self._hidden += 1  # <select> options are data (usernames, units): not the admin's own words
        for key, value in attrs:
            if key in ("title", "aria-label", "placeholder") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "select"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def english_words(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    found = []
    for text in parser.texts:
        for word in KNOWN_ENGLISH:
            if re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![a-z_])", text):
                found.append(f"{word!r} in {text[:60]!r}")
    return found


def test_the_check_finds_english_heads_and_ignores_data():
    page = '<th><a href="?o=1">Created at</a></th><label>User:</label><select><option>User 1</option></select>'
    assert english_words(page) == ["'Created at' in 'Created at'", "'User' in 'User:'"]
    assert english_words("<td>duty</td><th>创建时间</th><script>gettext('Choose all')</script>") == []


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units, users, _ = seed_demo()
    seed_reporting(units, users)
    superuser = get_user_model().objects.create_user("root", is_staff=True, is_superuser=True)
    return {"root": superuser, "security": users["security"], "auditor": users["auditor"]}


def _admin_pages(model):
    info = model._meta.app_label, model._meta.model_name
    pages = [reverse(f"admin:{info[0]}_{info[1]}_changelist")]
    try:
        pages.append(reverse(f"admin:{info[0]}_{info[1]}_add"))
    except NoReverseMatch:
        pass
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        pages.append(reverse(f"admin:{info[0]}_{info[1]}_change", args=[first.pk]))
    return pages


def test_every_admin_page_is_chinese(client, demo):
    problems = []
    opened = 0
    for model in admin.site._registry:
        for page in _admin_pages(model):
            for who in ("root", "security", "auditor"):
                client.force_login(demo[who])
                response = client.get(page)
                if response.status_code != 200:
                    continue  # not this person's page (三员分立), or an add page the admin refuses
                opened += 1
                problems += [f"{page} ({who}): {word}" for word in english_words(response.content.decode())]
                break
    assert opened > 40
    assert not problems, "\n".join(problems)


def test_form_labels_end_with_the_chinese_colon(client, demo):
    """Set once (the project's zh_Hans catalog translates Django's label suffix): the admin's forms and every page
    form rendered with label_tag end their labels with "：", never ":"."""
    client.force_login(demo["security"])
    page = client.get(reverse("admin:auth_user_add")).content.decode()
    assert re.search(r"<label[^>]*>用户名：</label>", page)
    assert not re.search(r"<label[^>]*>[^<]*[\u4e00-\u9fff]:</label>", page)
    policy = DeadlinePolicy.objects.order_by("pk").first()
    client.force_login(get_user_model().objects.get(username="admin"))  # a page form outside the admin
    page = client.get(reverse("settings_policy_edit", args=[policy.pk])).content.decode()
    assert re.search(r"<label[^>]*>名称：</label>", page)
    assert not re.search(r"<label[^>]*>[^<]*[\u4e00-\u9fff]:</label>", page)


def test_the_filter_widget_strings_are_chinese(client, demo):
    """filter_horizontal's buttons come from the admin's JavaScript catalog (/admin/jsi18n/)."""
    client.force_login(demo["root"])
    catalog = client.get(reverse("admin:jsi18n")).content.decode()
    match = re.search(r"const newcatalog = (\{.*?\});", catalog, re.S)
    assert match is not None
    strings = json.loads(match.group(1))
    assert strings["Choose all %s"] == "全选%s"
    assert strings["Remove all %s"] == "全部移除%s"
    assert all(re.search(r"[\u4e00-\u9fff]", strings[key]) for key in ("Choose selected %s", "Remove selected %s"))


def test_the_audit_list_shows_labels_not_codes(client, demo):
    client.force_login(demo["auditor"])
    page = client.get(reverse("admin:core_auditevent_changelist") + "?all=").content.decode()
    rows = re.findall(r'<td class="field-action_words">(.*?)</td>', page)
    objects = re.findall(r'<t[hd] class="field-object_words">(?:<a[^>]*>)?(.*?)(?:</a>)?</t[hd]>', page)
    assert rows and objects
    codes = set(AuditEvent.objects.values_list("action", flat=True)) | {"incident", "ticket", "report"}
    assert not [text for text in rows if text in codes], rows[:10]
    assert not [text for text in objects if text.split(" ")[0] in codes], objects[:10]
    unlabelled = [text for text in rows + objects if text != "—" and not re.search(r"[\u4e00-\u9fff]", text)]
    assert not unlabelled, unlabelled
    assert not re.search(r"\{&quot;|\{'", page), "raw JSON in the list"
    event = AuditEvent.objects.filter(action="dispatch").first() or AuditEvent.objects.first()
    detail = client.get(reverse("admin:core_auditevent_change", args=[event.pk])).content.decode()
    assert "变更内容" in detail and english_words(detail) == []
