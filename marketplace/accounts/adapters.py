"""allauth stores no phone numbers: this adapter keeps them on the user (E.164), validates
Chinese mobile numbers and sends codes through the portal's SMS interface."""

from allauth.account import app_settings as account_settings
from allauth.account import forms as allauth_forms
from allauth.account import stages
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.fields import PhoneField
from allauth.core import context, ratelimit
from allauth.core.exceptions import RateLimited
from allauth.core.internal.httpkit import headed_redirect_response
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from marketplace.core.http import client_ip
from marketplace.core.sms import send_sms
from marketplace.core.validators import normalize_cn_mobile

from . import selectors, services

SMS_SIGNATURE = "【太和区基层治理】"
SENDING_TOO_OFTEN = _("验证码发送过于频繁,请稍后再试。")


def code_valid_minutes() -> int:
    """The SMS states how long its code works: the shorter of the two code lifetimes."""
    seconds = min(account_settings.PHONE_VERIFICATION_TIMEOUT, account_settings.LOGIN_BY_CODE_TIMEOUT)
    return max(1, seconds // 60)


def can_send_phone_code(phone: str) -> bool:
    """Whether the per-phone and per-IP limits on phone codes still allow one more SMS
    (checked without using one up: the send itself counts)."""
    return ratelimit.consume(context.request, action="verify_phone", key=phone, dry_run=True)


class PhoneVerificationStage(stages.PhoneVerificationStage):
    """allauth's stage lets a refused send escape as an exception (a server error) after the
    account exists; here the login stops with a message instead. Forms check the limit first,
    so this only catches a limit reached in between, or a login with an unverified phone."""

    def handle(self):
        try:
            return super().handle()
        except RateLimited:
            get_adapter(self.request).add_message(
                self.request, messages.ERROR, message=str(SENDING_TOO_OFTEN)
            )
            return headed_redirect_response("account_login"), False


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # allauth also answers this when too many login codes are asked for, not only after
        # failed passwords: word it so it is true in both cases.
        "too_many_login_attempts": _("尝试过于频繁,请稍后再试。"),
    }

    def get_client_ip(self, request) -> str:
        # One notion of "the client" for allauth's rate limits, axes and the audit trail.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def populate_username(self, request, user) -> None:
        # allauth derives the username from the e-mail address, and many addresses here are a
        # phone number (13812345678@139.com); the username ends up in pages and the audit trail.
        if not user.username:
            user.username = self.generate_unique_username(["user"])

    def generate_unique_username(self, txts, regex=None) -> str:
        users = get_user_model().objects
        while True:
            username = "u" + get_random_string(11, allowed_chars="abcdefghijkmnpqrstuvwxyz23456789")
            if not users.filter(username__iexact=username).exists():
                return username

    def get_login_stages(self) -> list[str]:
        path = f"{stages.PhoneVerificationStage.__module__}.PhoneVerificationStage"
        ours = f"{PhoneVerificationStage.__module__}.PhoneVerificationStage"
        return [ours if p == path else p for p in super().get_login_stages()]

    def phone_form_field(self, **kwargs):
        # allauth's E.164-only validator would refuse 13812345678; clean_phone normalises instead.
        kwargs["validators"] = []
        kwargs["label"] = _("手机号")
        field = PhoneField(**kwargs)
        field.widget.attrs.update({"placeholder": "13812345678", "inputmode": "numeric"})
        return field

    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_cn_mobile(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code="invalid_phone") from exc

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(
            phone,
            f"{SMS_SIGNATURE}您的验证码是{code},{code_valid_minutes()}分钟内有效。请勿告诉他人。",
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone, f"{SMS_SIGNATURE}该手机号尚未注册,请先注册账户。")

    def send_account_already_exists_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone, f"{SMS_SIGNATURE}该手机号已注册,请直接登录;如忘记密码,可使用短信验证码登录。")

    def set_phone(self, user, phone: str, verified: bool) -> None:
        services.user_set_phone(user=user, phone=phone, verified=verified)

    def get_phone(self, user):
        if user.phone:
            return user.phone, user.phone_verified
        return None

    def set_phone_verified(self, user, phone: str) -> None:
        services.user_mark_phone_verified(user=user, phone=phone)

    def get_user_by_phone(self, phone: str):
        # A password login passes the number as typed (13812345678), not the E.164 form.
        try:
            phone = normalize_cn_mobile(phone)
        except ValidationError:
            return None
        # A number belongs to an account only once it is verified: otherwise anyone could
        # register a stranger's number and the owner's code login would land in that account.
        return selectors.user_by_phone(phone, verified_only=True)


class SignupForm(allauth_forms.SignupForm):
    """Residents sign up with a mobile phone (required here rather than in ACCOUNT_SIGNUP_FIELDS,
    see settings). allauth saves the account first and only then finds the SMS limit reached;
    check that a code can be sent before anything is saved."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True

    def clean(self):
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        if phone and not self.errors and not can_send_phone_code(phone):
            self.add_error("phone", SENDING_TOO_OFTEN)
        return cleaned_data


class ChangePhoneForm(allauth_forms.ChangePhoneForm):
    def clean_phone(self) -> str:
        phone = super().clean_phone()
        if not can_send_phone_code(phone):
            raise forms.ValidationError(SENDING_TOO_OFTEN, code="rate_limited")
        return phone
