"""An order paid by a gift card and the test card is visible as such everywhere (issue #19):
the admin order page lists each payment and where each refund went, the confirmation email
lists them, and the dashboard's revenue counts the order once, at its total."""

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from apps.dashboard import periods
from apps.dashboard import selectors as dashboard_selectors
from apps.orders import services as order_services
from apps.payments import services
from apps.payments.models import Payment
from tests.factories.payments import create_reserved_order

D = Decimal


@pytest.fixture
def split_paid_order(django_capture_on_commit_callbacks):
    order = create_reserved_order(email="ada@example.test")  # 40.00
    start = services.start_payment(order_id=order.id, return_url=f"/orders/{order.token}/")
    issued = services.issue_gift_card(amount=D("15.00"), currency="USD")
    services.pay_with_gift_card(payment_id=start.payment_id, code=issued.code, identity="t")
    services.complete_test_payment(payment_id=start.payment_id, card_number="4242424242424242")
    order.refresh_from_db()
    return order, issued.card


@pytest.mark.django_db
def test_admin_order_page_lists_each_payment_and_where_refunds_went(store_client, split_paid_order):
    order, card = split_paid_order
    services.refund_order(order_id=order.id, amount=D("30.00"))  # 25.00 test card, 5.00 card
    store_client.force_login(get_user_model().objects.filter(is_superuser=True).first())

    page = store_client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    payments, refunds = page[page.index("<h2>Payment</h2>") :].split("<h3>Refunds</h3>", 1)
    assert f"Gift card …{card.last4} · 15.00 USD · Partially refunded" in payments
    assert "25.00 USD · Refunded" in payments
    assert "25.00 USD to Test gateway (no real payments)" in refunds
    assert f"5.00 USD to Gift card …{card.last4}" in refunds
    assert "25.00" in page and "15.00" in page and "5.00" in page


@pytest.mark.django_db
def test_confirmation_email_lists_each_payment(settings, split_paid_order):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    order, card = split_paid_order

    order_services.send_order_email(order_id=order.id, kind="confirmed")

    [message] = mail.outbox
    assert f"Gift card …{card.last4}: 15.00 USD" in message.body
    assert "Card (test): 25.00 USD" in message.body


@pytest.mark.django_db
def test_dashboard_revenue_counts_a_split_paid_order_once_at_its_total(split_paid_order):
    order, _ = split_paid_order

    kpis = dashboard_selectors.get_kpis(periods.windows(ZoneInfo("UTC")))

    today = next(k for k in kpis if k.key == "today")
    assert Payment.objects.filter(order=order, applied_to_order=True).count() == 2
    assert (today.revenue, today.orders) == (order.total, 1)


@pytest.mark.django_db
def test_the_shoppers_order_page_lists_each_payment(store_client, split_paid_order):
    order, card = split_paid_order

    page = store_client.get(f"/orders/{order.token}/").content.decode()

    assert f'Paid with Gift card …{card.last4}</dt><dd class="muted">15.00' in page
    assert 'Paid with Card (test)</dt><dd class="muted">25.00' in page
