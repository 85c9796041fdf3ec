"""Merchant admin: payments, refunds and webhook events are ledger rows — read-only.

``PaymentInline`` and ``RefundInline`` are for the Order admin (wired in by the orders app).
Refunds are made with the order's refund action (``services.refund_order``), never by editing.
"""

from django.contrib import admin, messages

from apps.payments import services
from apps.payments.models import Payment, Refund, WebhookEvent

PAYMENT_FIELDS = (
    "created_at", "gateway", "amount", "currency", "status", "amount_refunded",
    "applied_to_order", "external_id", "failure_message",
)  # fmt: skip
REFUND_FIELDS = (
    "created_at", "amount", "currency", "status", "applies_to_order", "external_id", "reason",
    "actor", "failure_message",
)  # fmt: skip


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    fields = PAYMENT_FIELDS
    readonly_fields = PAYMENT_FIELDS
    extra = 0
    show_change_link = True


class RefundInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    fields = REFUND_FIELDS
    readonly_fields = REFUND_FIELDS
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "order", "gateway", "amount", "currency", "status",
                    "applied_to_order", "external_id")  # fmt: skip
    list_filter = ("status", "gateway", "applied_to_order")
    search_fields = ("=order__number", "=external_id")
    list_select_related = ("order",)
    fields = ("order", *PAYMENT_FIELDS, "updated_at")
    readonly_fields = fields
    inlines = [RefundInline]
    actions = ["refund_unapplied"]

    @admin.action(
        description="Refund payments that could not pay their order", permissions=["change"]
    )
    def refund_unapplied(self, request, queryset):
        done = 0
        for payment in queryset.filter(applied_to_order=False, status__in=services.CAPTURED):
            refund = services.refund_unapplied_payment(payment_id=payment.id)
            if refund is not None and refund.status == Refund.Status.SUCCEEDED:
                done += 1
        self.message_user(request, f"{done} payment(s) refunded.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        # Actions need change permission; the form itself has no editable field.
        return request.user.has_perm("payments.change_payment") if obj is None else False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "gateway", "type", "event_id", "outcome", "processed_at")
    list_filter = ("gateway", "type")
    search_fields = ("=event_id",)
    fields = list_display
    readonly_fields = list_display
