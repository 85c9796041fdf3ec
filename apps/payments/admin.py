"""Merchant admin: payments, refunds and webhook events are ledger rows — read-only.

``PaymentInline`` and ``RefundInline`` are for the Order admin (wired in by the orders app).
Refunds are made with the order's refund action (``services.refund_order``), never by editing.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from apps.payments import services
from apps.payments.models import GiftCard, GiftCardTransaction, Payment, Refund, WebhookEvent

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
    """Each payment of the order (a gift card's and the gateway's of a split payment)."""

    model = Payment
    fields = ("method", *PAYMENT_FIELDS)
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("gift_card")

    @admin.display(description="method")
    def method(self, payment: Payment) -> str:
        if payment.gift_card is not None:
            return f"Gift card …{payment.gift_card.last4}"
        return payment.gateway


class RefundInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    fields = ("refunded_to", *REFUND_FIELDS)
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment__gift_card")

    @admin.display(description="refunded to")
    def refunded_to(self, refund: Refund) -> str:
        payment = refund.payment
        if payment.gift_card is not None:
            return f"Gift card …{payment.gift_card.last4}"
        return payment.gateway


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
    list_display = (
        "received_at", "gateway", "type", "event_id", "outcome", "order", "needs_attention",
        "processed_at",
    )  # fmt: skip
    list_filter = ("needs_attention", "gateway", "type")
    list_select_related = ("order",)
    search_fields = ("=event_id", "=order__number")
    fields = list_display
    readonly_fields = list_display
    actions = ["mark_checked"]

    @admin.action(
        description="Mark as checked (leaves the dashboard's list)", permissions=["change"]
    )
    def mark_checked(self, request, queryset):
        done = services.mark_events_checked(event_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{done} event(s) marked as checked.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        # The action needs change permission; the form itself has no editable field.
        return request.user.has_perm("payments.change_webhookevent") if obj is None else False


class GiftCardIssueForm(forms.ModelForm):
    """Issue a card: its amount, currency and who it is for. The code is drawn by the service."""

    amount = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=12, decimal_places=2, label="Initial balance"
    )

    class Meta:
        model = GiftCard
        fields = ("currency", "expires_at", "recipient_email", "customer_email", "note")


class GiftCardTransactionInline(ReadOnlyMixin, admin.TabularInline):
    model = GiftCardTransaction
    fields = ("created_at", "kind", "amount", "balance_after", "order", "reference", "actor")
    readonly_fields = fields
    extra = 0


@admin.register(GiftCard)
class GiftCardAdmin(admin.ModelAdmin):
    """Issue (the code is shown once, on the page that answers the form), disable, and read each
    card's ledger. Balances change only through the services."""

    list_display = ("last4", "balance", "initial_balance", "currency", "is_active", "expires_at",
                    "recipient_email", "created_at")  # fmt: skip
    list_filter = ("is_active", "currency")
    search_fields = ("=last4", "recipient_email", "customer_email")
    inlines = [GiftCardTransactionInline]
    actions = ["disable"]
    ISSUE_FIELDS = ("amount", "currency", "expires_at", "recipient_email", "customer_email", "note")
    SHOWN_FIELDS = ("last4", "balance", "initial_balance", "currency", "is_active", "expires_at",
                    "disabled_at", "recipient_email", "customer_email", "note", "created_by",
                    "created_at")  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = GiftCardIssueForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return self.ISSUE_FIELDS if obj is None else self.SHOWN_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.SHOWN_FIELDS

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request):
        return {"currency": getattr(request.tenant, "currency", "")}

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on a card is edited by hand
        data = form.cleaned_data
        issued = services.issue_gift_card(
            amount=data["amount"],
            currency=data["currency"],
            expires_at=data.get("expires_at"),
            recipient_email=data.get("recipient_email", ""),
            customer_email=data.get("customer_email", ""),
            note=data.get("note", ""),
            actor_id=request.user.id,
        )
        # The admin goes on with the form's instance (history entry, redirect): make it the card.
        obj.pk = issued.card.pk
        obj._state.adding = False
        for field in ("last4", "balance", "initial_balance", "currency", "created_at"):
            setattr(obj, field, getattr(issued.card, field))
        request._issued_gift_card_code = issued.code

    def response_add(self, request, obj, post_url_continue=None):
        code = getattr(request, "_issued_gift_card_code", None)
        if code is None:
            return super().response_add(request, obj, post_url_continue)
        # Rendered in this response only: the code is never stored, logged or put in a message
        # (messages travel in a cookie or the session).
        return TemplateResponse(
            request,
            "payments/admin/gift_card_issued.html",
            {**self.admin_site.each_context(request), "card": obj, "code": code,
             "opts": self.model._meta, "title": "Gift card issued"},
        )  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Disable the selected gift cards", permissions=["change"])
    def disable(self, request, queryset):
        for card in queryset.filter(is_active=True):
            services.disable_gift_card(card_id=card.id, actor_id=request.user.id)
        self.message_user(request, "Gift cards disabled.", messages.SUCCESS)
