"""Each role lands on its workspace after signing in (issue 14): 值班员 → 研判台, 联络员 → 转办单, 领导 → 驾驶舱,
系统管理员 → 时限规则; several roles → the most operational one (值班员 > 联络员 > 领导 > 系统管理员). A `next`
given at sign-in wins, through the 动态口令 step too."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Membership, Role
from tests.factories import UserFactory

PASSWORD = "pw-123456"  # tests.factories.UserFactory's default


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.OTP_REQUIRED_ROLES = []


def land(client, username, next_url=None):
    """Sign in through the login form and follow the redirects; the path the person ends on."""
    data = {"username": username, "password": PASSWORD}
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    if next_url:
        data["next"] = next_url
    response = client.post(url, data, follow=True)
    assert response.status_code == 200, response.redirect_chain
    return response.request["PATH_INFO"]


@pytest.mark.parametrize(
    "username, workspace",
    [
        ("duty", "/desk/"),
        ("edu_l", "/tickets/"),
        ("leader", "/dashboard/"),
        ("edu_leader", "/dashboard/"),
        ("admin", "/settings/policies/"),
    ],
)
def test_each_role_lands_on_its_workspace(client, org, username, workspace):
    assert land(client, username) == workspace


def test_a_person_with_several_roles_lands_on_the_most_operational(client, org):
    both = UserFactory(username="both")
    Membership.objects.create(user=both, unit=org.county, role=Role.LEADER)
    Membership.objects.create(user=both, unit=org.edu, role=Role.LIAISON)
    assert land(client, "both") == "/tickets/"  # a liaison's tickets before a leader's cockpit
    client.post("/accounts/logout/")
    Membership.objects.create(user=both, unit=org.office, role=Role.DUTY_OFFICER)
    assert land(client, "both") == "/desk/"  # the duty officer's desk before everything


def test_a_person_without_a_role_is_told_so(client, org):
    UserFactory(username="nobody")
    response = client.post("/accounts/login/", {"username": "nobody", "password": PASSWORD}, follow=True)
    assert response.status_code == 200 and response.request["PATH_INFO"] == "/"


def test_next_wins_over_the_workspace(client, org):
    assert land(client, "duty", "/tickets/") == "/tickets/"


def test_next_wins_through_the_second_factor(client, org, settings):
    settings.OTP_REQUIRED_ROLES = ["leader"]
    device = TOTPDevice.objects.create(user=org.leader, name="动态口令", confirmed=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signed = client.post(
            "/accounts/login/?next=/incidents/", {"username": "leader", "password": PASSWORD, "next": "/incidents/"}
        )
        assert signed["Location"] == "/incidents/"
        held = client.get("/incidents/")
        assert held.status_code == 302 and held["Location"] == "/accounts/otp/verify/?next=%2Fincidents%2F"
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        verified = client.post("/accounts/otp/verify/", {"token": code, "next": "/incidents/"})
        assert verified["Location"] == "/incidents/"
    client.post("/accounts/logout/")
    # Without a `next`, the code step leads to the landing redirect: the leader's cockpit.
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        signed = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
        assert signed["Location"] == "/"
        held = client.get("/")
        assert held["Location"] == "/accounts/otp/verify/?next=%2F"
        device.refresh_from_db()
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        verified = client.post("/accounts/otp/verify/", {"token": code, "next": "/"}, follow=True)
        assert verified.request["PATH_INFO"] == "/dashboard/"
