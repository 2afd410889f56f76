"""账号安全: sign-in (password, then the TOTP code when the user has set one up), the lock-out page of
django-axes, the password change every user may make, and the optional TOTP second factor of
leaders and administrators (django-otp).

Sign-in goes through Django's ``authenticate``, so django-axes counts every wrong password (per
account and per address, AXES_* in settings) and the audit log records it (``user_login_failed``).
A wrong second-factor code is reported the same way. The password backend below refuses an account
that has a confirmed TOTP device whenever the password alone would open a session (the admin's own
login form, any other ``authenticate`` call): only the two-step sign-in here may pass it on to the
code step."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.audit.services import audit_record
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles

_PENDING = "xinfang_login_pending"  # session key: the user who passed the password step
_PENDING_SECONDS = 300
_TWO_STEP = "_xinfang_two_step"  # request attribute set by the sign-in view only
TOTP_ROLES = {Role.LEADER, Role.ADMIN}


# ---- authentication ----------------------------------------------------------------------------

def totp_device(user, *, confirmed: bool = True):
    if user is None or not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


class PasswordBackend(ModelBackend):
    """Django's model backend, except that an account with a confirmed TOTP device is not opened by
    its password alone outside the sign-in view (which asks for the code next)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not getattr(request, _TWO_STEP, False) and totp_device(user) is not None:
            return None
        return user


def _cooloff_minutes() -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def _locked_message() -> str:
    minutes = _cooloff_minutes()
    if minutes:
        return _("登录失败次数过多，该账号或本机地址已被暂时锁定。请 %(m)d 分钟后再试，"
                 "或联系系统管理员解锁。") % {"m": minutes}
    return _("登录失败次数过多，该账号或本机地址已被锁定，请联系系统管理员解锁。")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page with the reason (429), or a JSON error for the API."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked", "message": _locked_message(), "field": None}},
                            status=429)
    request.session.pop(_PENDING, None)
    return render(request, "web/login.html", {
        "form": AuthenticationForm(request), "locked": _locked_message(), "next": _next_url(request)},
        status=429)


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return ""


def _finish_login(request, user, backend: str):
    request.session.pop(_PENDING, None)
    auth_login(request, user, backend=backend)
    return HttpResponseRedirect(_next_url(request) or settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login_view(request):
    """登录: the password, then the dynamic code for accounts that have set one up."""
    if request.method == "POST" and request.POST.get("step") == "otp":
        return _otp_step(request)
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        setattr(request, _TWO_STEP, True)
        if form.is_valid():
            user = form.get_user()
            if totp_device(user) is None:
                return _finish_login(request, user, user.backend)
            request.session[_PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time()}
            return render(request, "web/login.html", {"otp_step": True, "next": _next_url(request),
                                                      "username": user.get_username()})
    return render(request, "web/login.html", {"form": form, "next": _next_url(request)})


def _otp_step(request):
    from axes.handlers.proxy import AxesProxyHandler

    pending = request.session.get(_PENDING) or {}
    user = None
    if pending and time.time() - float(pending.get("at", 0)) <= _PENDING_SECONDS:
        user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    device = totp_device(user)
    if user is None or device is None:
        request.session.pop(_PENDING, None)
        return render(request, "web/login.html", {
            "form": AuthenticationForm(request), "next": _next_url(request),
            "notice": _("验证已超时，请重新输入用户名和密码。")})
    credentials = {get_user_model().USERNAME_FIELD: user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return lockout_response(request, None, credentials)
    code = (request.POST.get("otp_token") or "").strip().replace(" ", "")
    allowed, _info = device.verify_is_allowed()
    if allowed and code.isdigit() and len(code) <= 10 and device.verify_token(code):
        return _finish_login(request, user, pending.get("backend") or settings.AUTHENTICATION_BACKENDS[-1])
    if allowed and not (code.isdigit() and len(code) <= 10):
        device.throttle_increment(commit=True)
    # A wrong code is a failed sign-in: counted by axes, recorded in the audit log.
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(request, credentials):
        return lockout_response(request, None, credentials)
    error = _("动态验证码不正确，请重新输入。") if allowed else _("验证码错误次数过多，请稍候片刻再试。")
    return render(request, "web/login.html", {"otp_step": True, "otp_error": error, "next": _next_url(request),
                                              "username": user.get_username()})


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, its message from this project's catalogue (Django 5.2's zh_Hans
    catalogue lacks the message of 5.2, so it would appear in English). AUTH_PASSWORD_VALIDATORS."""

    def get_error_message(self):
        return ngettext("密码太短，至少需要%(n)d个字符。", "密码太短，至少需要%(n)d个字符。",
                        self.min_length) % {"n": self.min_length}


# ---- password change ---------------------------------------------------------------------------

@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    """修改密码: the current one, the new one twice (Django's validators, their messages in Chinese).
    The user's API tokens die with the old password (xinfang.api.models)."""
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        live = user.api_tokens.filter(revoked=False).count()
        form.save()
        update_session_auth_hash(request, form.user)
        audit_record(actor=user, action="account.password_change", obj=user, data={"username": user.username})
        if live:
            messages.success(request, _("密码已修改。您的%(n)d个接口令牌已随旧密码失效，如需调用接口请重新申请令牌。")
                             % {"n": live})
        else:
            messages.success(request, _("密码已修改。"))
        return redirect("web:account_password")
    return render(request, "web/account/password.html", {
        "form": form, "active": "account", "totp_offered": _totp_offered(user)})


# ---- TOTP second factor ------------------------------------------------------------------------

def _totp_offered(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or all_roles(user) & TOTP_ROLES
                or totp_device(user) is not None)


def _qr_svg(text: str) -> str:
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.find("<svg"):]  # inline in the page: no XML declaration


@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def totp_view(request):
    """双因素验证: set up (secret and QR code, then a code from the app to confirm) or switch off."""
    user = request.user
    if not _totp_offered(user):
        raise PermissionDenied(_("动态验证码仅供领导和系统管理员使用。"))
    confirmed = totp_device(user)
    error = ""
    if request.method == "POST":
        op = request.POST.get("op")
        code = (request.POST.get("otp_token") or "").strip().replace(" ", "")
        device = confirmed if op == "disable" else totp_device(user, confirmed=False)
        if op not in ("confirm", "disable") or device is None:
            error = _("页面已过期，请重新操作。")
        else:
            allowed, _info = device.verify_is_allowed()
            if not allowed:
                error = _("验证码错误次数过多，请稍候片刻再试。")
            elif not (code.isdigit() and len(code) <= 10 and device.verify_token(code)):
                if not (code.isdigit() and len(code) <= 10):
                    device.throttle_increment(commit=True)
                error = _("动态验证码不正确，请按手机应用中当前显示的6位数字重新输入。")
            elif op == "confirm":
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                audit_record(actor=user, action="account.totp_enable", obj=user, data={"username": user.username})
                messages.success(request, _("已启用动态验证码：今后登录时，输入密码后还需输入手机应用中的验证码。"))
                return redirect("web:account_totp")
            else:
                TOTPDevice.objects.filter(user=user).delete()
                audit_record(actor=user, action="account.totp_disable", obj=user, data={"username": user.username})
                messages.success(request, _("已停用动态验证码。"))
                return redirect("web:account_totp")
    context = {"active": "account", "enabled": confirmed is not None, "error": error}
    if confirmed is None:
        device = totp_device(user, confirmed=False)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=_("手机应用"), confirmed=False)
        from base64 import b32encode

        secret = b32encode(device.bin_key).decode()
        context.update({"secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                        "qr_svg": _qr_svg(device.config_url)})
    return render(request, "web/account/totp.html", context)
