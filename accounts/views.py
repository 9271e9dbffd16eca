"""Pages of identification and authentication: the TOTP step after the password, TOTP enrolment, the own
password change (audited) and the own API tokens with revocation."""

import base64
from binascii import unhexlify

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import OtpTokenForm
from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
def otp_verify(request):
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect("otp_setup")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # django-otp throttles each device after a wrong code (growing delay), so guessing is slow too.
        device = next((d for d in devices if d.verify_token(form.cleaned_data["token"])), None)
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        services.record_failed_otp(request.user, ip=client_ip(request))
        form.add_error("token", "动态口令不正确或尝试过于频繁，请稍后重试。")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request, "")})


@login_required
def otp_setup(request):
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        messages.info(request, "您已启用双因素认证。如需更换手机，请联系管理员删除原绑定。")
        return redirect("home")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="动态口令", confirmed=False)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_totp_device(request.user, device, form.cleaned_data["token"], ip=client_ip(request))
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            otp_login(request, device)
            messages.success(request, "双因素认证已启用，今后登录须输入动态口令。")
            return redirect(_next_url(request))
    secret = base64.b32encode(unhexlify(device.key)).decode()
    qr = segno.make(device.config_url, micro=False).svg_inline(scale=4, title="动态口令二维码")
    context = {
        "form": form,
        "config_url": device.config_url,
        "secret": secret,
        "qr": qr,
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/otp_setup.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, with the change made by accounts.services (audited) and the reason it was asked for."""

    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = services.password_state(self.request.user).must_change
        return context

    def form_valid(self, form):
        services.change_own_password(self.request.user, form, ip=client_ip(self.request))
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


@login_required
def token_list(request):
    return render(request, "accounts/tokens.html", {"tokens": services.visible_tokens(request.user)})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(services.visible_tokens(request.user), pk=pk)
    try:
        services.revoke_token(request.user, token, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"令牌 {token.prefix}… 已吊销。")
    return redirect("token_list")
