"""Merchant admin: payments, refunds and webhook events are read-only ledger rows."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from apps.orders.models import Order
from apps.payments import services
from apps.payments.admin import PaymentInline, RefundInline
from apps.payments.models import Payment, WebhookEvent
from tests.conftest import STORE_SPEC
from tests.factories.payments import PaymentFactory, create_reserved_order


@pytest.fixture
def owner_client(store_client):
    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))
    return store_client


@pytest.fixture
def refunded_payment() -> Payment:
    order = create_reserved_order()
    payment = PaymentFactory(order=order, external_id="test_pay_admin")
    services.complete_test_payment(payment_id=payment.id, card_number="4242424242424242")
    services.refund_order(order_id=order.id, amount=Decimal("5.00"), reason="scratch")
    return payment


@pytest.mark.django_db
def test_payment_list_and_detail_are_read_only(owner_client, refunded_payment):
    listing = owner_client.get("/admin/payments/payment/")
    detail = owner_client.get(f"/admin/payments/payment/{refunded_payment.pk}/change/")

    assert listing.status_code == 200
    assert "test_pay_admin" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert "scratch" in detail.content.decode()  # the refund inline
    assert owner_client.get("/admin/payments/payment/add/").status_code == 403


@pytest.mark.django_db
def test_webhook_event_log_is_read_only(owner_client):
    event = WebhookEvent.objects.create(gateway="stripe", event_id="evt_admin", type="x")

    listing = owner_client.get("/admin/payments/webhookevent/")
    detail = owner_client.get(f"/admin/payments/webhookevent/{event.pk}/change/")
    delete = owner_client.post(f"/admin/payments/webhookevent/{event.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and "evt_admin" in listing.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert delete.status_code == 403
    assert WebhookEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_inlines_for_the_order_admin_show_payments_and_refunds_read_only(refunded_payment):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(email=STORE_SPEC["owner_email"])
    order = refunded_payment.order

    for inline_class, expected in ((PaymentInline, 1), (RefundInline, 1)):
        inline = inline_class(Order, admin.site)
        formset = inline.get_formset(request, order)(instance=order)

        assert len(formset.forms) == expected
        assert not inline.has_add_permission(request, order)
        assert not inline.has_delete_permission(request, order)
        assert set(inline.get_readonly_fields(request, order)) >= set(inline.fields)
