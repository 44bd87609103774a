"""allauth stores no phone numbers: this adapter keeps them on the user (E.164), validates
Chinese mobile numbers and sends codes through the portal's SMS interface."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django import forms
from django.core.exceptions import ValidationError

from marketplace.core.sms import send_sms
from marketplace.core.validators import normalize_cn_mobile

from . import selectors, services


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        kwargs.setdefault("validators", [])
        field = PhoneField(**kwargs)
        field.widget.attrs.update({"placeholder": "13812345678", "inputmode": "numeric"})
        field.label = "手机号"
        return field

    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_cn_mobile(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code="invalid_phone") from exc

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(phone, f"【太和区基层治理】您的验证码是{code},10分钟内有效。请勿告诉他人。")

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone, "【太和区基层治理】该手机号尚未注册,请先注册账户。")

    def set_phone(self, user, phone: str, verified: bool) -> None:
        services.user_set_phone(user=user, phone=phone, verified=verified)

    def get_phone(self, user):
        if user.phone:
            return user.phone, user.phone_verified
        return None

    def set_phone_verified(self, user, phone: str) -> None:
        services.user_mark_phone_verified(user=user, phone=phone)

    def get_user_by_phone(self, phone: str):
        return selectors.user_by_phone(phone)
