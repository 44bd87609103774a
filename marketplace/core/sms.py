"""Sending SMS through one small interface. The backend is chosen by ``SMS_BACKEND``; a Chinese
provider (Aliyun, Tencent Cloud ...) plugs in as a class with ``send(phone, message)``."""

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_phone

logger = logging.getLogger(__name__)


class BaseSMSBackend:
    def __init__(self, **options):
        self.options = options

    def send(self, phone: str, message: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError("SMS backends implement send()")


class ConsoleSMSBackend(BaseSMSBackend):
    """Development: prints the message (the code is needed to log in locally)."""

    def send(self, phone: str, message: str) -> None:
        print(f"[SMS to {phone}] {message}", flush=True)  # noqa: T201


class LocmemSMSBackend(BaseSMSBackend):
    """Tests: keeps messages in ``outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        LocmemSMSBackend.outbox.append((phone, message))


@cache
def _backend(path: str) -> BaseSMSBackend:
    return import_string(path)(**settings.SMS_OPTIONS)


def send_sms(phone: str, message: str) -> None:
    _backend(settings.SMS_BACKEND).send(phone, message)
    logger.info("sms sent to %s", mask_phone(phone))
