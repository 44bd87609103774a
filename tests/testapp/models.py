"""A ticket in a street: the smallest model on the lifecycle engine, for the engine's tests."""

from django.db import models

from marketplace.core.fields import EncryptedTextField


class TicketStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    CLOSED = "closed", "已关闭"


class Ticket(models.Model):
    title = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.DRAFT)
    street = models.ForeignKey("places.Street", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    SCOPE_LOOKUPS = {"street": "street_id", "district": "street__district_id", "user": "owner_id"}

    def __str__(self) -> str:
        return self.title

    def scope_chain(self):
        return [("user", self.owner_id), ("street", self.street_id), ("district", self.street.district_id)]


class Secret(models.Model):
    """Holds an encrypted value, for the field's tests."""

    value = EncryptedTextField(blank=True)
    value_hash = models.CharField(max_length=64, blank=True)
