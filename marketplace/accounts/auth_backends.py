from allauth.account.auth_backends import AuthenticationBackend
from django.core.exceptions import ValidationError

from marketplace.core.validators import normalize_cn_mobile

from . import selectors


class PortalAuthenticationBackend(AuthenticationBackend):
    """Password login by phone also finds an account whose number is not verified yet.

    Everywhere else (code login, sign-up, phone change) a number identifies an account only
    once verified (see ``AccountAdapter.get_user_by_phone``). A password login is different: it
    proves knowledge of the password, not of the number, so the account's creator may log in
    with it and then verify the number.
    """

    def _authenticate_by_phone(self, phone, password):
        try:
            phone = normalize_cn_mobile(phone)
        except ValidationError:
            return None
        return self._check_password(selectors.user_by_phone(phone), password)
