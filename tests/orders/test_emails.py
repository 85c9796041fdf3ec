"""Order emails: queued after commit, rendered from txt + html templates, sent once."""

from decimal import Decimal

import pytest
from celery import Celery
from django.db import connection, transaction

from apps.core.models import OutboxMessage
from apps.orders import services
from apps.orders import services as order_services
from apps.orders.emails import KINDS
from apps.orders.models import Fulfillment, FulfillmentLine, OrderEvent, Return, ReturnLine
from apps.orders.tasks import send_order_email_task
from apps.preferences.selectors import get_store_settings
from tests.factories.payments import OrderFactory, OrderLineFactory, create_reserved_order


@pytest.fixture
def order():
    order = OrderFactory(
        subtotal=Decimal("47.50"), shipping_total=Decimal("5.00"), tax_total=Decimal("2.50"),
        total=Decimal("55.00"), voucher_code="SPRING", discount_total=Decimal("0"),
    )  # fmt: skip
    OrderLineFactory(
        order=order, product_name="Lamp <b>&</b> Shade", variant_name="Green", quantity=2,
        unit_price=Decimal("20.00"), line_total=Decimal("40.00"), sku="LAMP-1",
    )  # fmt: skip
    OrderLineFactory(
        order=order, product_name="Bulb", variant_name="", quantity=1,
        unit_price=Decimal("7.50"), line_total=Decimal("7.50"), sku="BULB-1",
    )  # fmt: skip
    return order


def send(order, kind, **context):
    return services.send_order_email(order_id=order.id, kind=kind, context=context)


# --- queueing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_email_is_queued_only_when_the_transaction_commits_in_the_stores_schema(
    order, django_capture_on_commit_callbacks, monkeypatch, mailoutbox
):
    sent = []
    # Below the app's send_task, which adds the schema header (tenant-schemas-celery).
    monkeypatch.setattr(Celery, "send_task", lambda self, name, **kw: sent.append((name, kw)))

    with django_capture_on_commit_callbacks() as callbacks:
        services.queue_order_email(order_id=order.id, kind="shipped", context={"fulfillment_id": 7})
        [message] = OutboxMessage.objects.all()
        assert sent == []

    for callback in callbacks:
        callback()
    [(name, options)] = sent
    args = options["args"]
    assert name == send_order_email_task.name == message.task_name
    assert args[:3] == [order.id, "shipped", {"fulfillment_id": 7}]
    assert len(args[3]) == 32  # the email id that makes retries send it once
    assert options["task_id"] == str(message.id)
    assert options["headers"] == {"_schema_name": connection.schema_name}
    message.refresh_from_db()
    assert message.dispatched_at is not None
    assert mailoutbox == []


@pytest.mark.django_db
def test_rolled_back_transaction_queues_no_email(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.queue_order_email(order_id=order.id, kind="confirmed")
            raise RuntimeError("checkout failed")

    assert callbacks == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_unknown_email_kind_is_a_programming_error(order):
    with pytest.raises(ValueError, match="Unknown order email kind"):
        services.queue_order_email(order_id=order.id, kind="birthday")


@pytest.mark.django_db
def test_paying_an_order_sends_the_confirmation_after_commit(
    django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    order = create_reserved_order()

    with django_capture_on_commit_callbacks(execute=True):
        order_services.mark_order_paid(order_id=order.id, amount=order.total)

    [message] = mailoutbox
    assert message.to == [order.email]
    assert f"Order #{order.number} confirmed" in message.subject
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1


# --- content ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirmation_lists_lines_totals_and_the_order_page_on_the_store_host(
    order, store, mailoutbox, settings
):
    settings.PUBLIC_PORT = "8000"

    send(order, "confirmed")

    [message] = mailoutbox
    text = message.body
    html = message.alternatives[0][0]
    order_url = f"http://{store.primary_host}:8000/orders/{order.token}/"
    assert message.subject == f"Test Store: Order #{order.number} confirmed"
    assert message.to == [order.email]
    assert message.alternatives[0][1] == "text/html"
    assert "2 × Lamp <b>&</b> Shade — Green (SKU LAMP-1): 40.00 USD" in text
    assert "Lamp &lt;b&gt;&amp;&lt;/b&gt; Shade" in html and "<b>&</b>" not in html
    assert "Total: 55.00 USD" in text and "55.00 USD" in html
    assert "Shipping (Standard): 5.00 USD" in text
    assert order_url in text and f'href="{order_url}"' in html
    assert "Ada Shopper" in text and "Springfield" in html


@pytest.mark.django_db
def test_sender_is_the_stores_address_or_the_platform_default(order, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Mercato <no-reply@mercato.test>"
    send(order, "confirmed")
    store_settings = get_store_settings()
    store_settings.email_sender = "hello@teststore.test"
    store_settings.save()

    send(order, "delivered")

    assert [m.from_email for m in mailoutbox] == [
        "Mercato <no-reply@mercato.test>",
        "Test Store <hello@teststore.test>",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("carrier", "link"),
    [("UPS", "https://www.ups.com/track?tracknum=1Z%20999"), ("Local courier", "")],
)
def test_shipped_email_has_the_tracking_number_and_a_link_for_known_carriers(
    order, mailoutbox, carrier, link
):
    fulfillment = Fulfillment.objects.create(order=order, carrier=carrier, tracking_number="1Z 999")
    FulfillmentLine.objects.create(
        fulfillment=fulfillment, order_line=order.lines.first(), quantity=1
    )

    send(order, "shipped", fulfillment_id=fulfillment.id)

    [message] = mailoutbox
    html = message.alternatives[0][0]
    assert "Tracking number: 1Z 999" in message.body
    assert "1 × Lamp <b>&</b> Shade" in message.body
    if link:
        assert f"Track your package: {link}" in message.body
        assert f'href="{link}"' in html
    else:
        assert "Track your package" not in message.body


@pytest.mark.django_db
def test_refund_email_states_the_amount(order, mailoutbox):
    send(order, "refunded", amount="12.50")

    [message] = mailoutbox
    assert "A refund of 12.50 USD for order" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["return_requested", "return_approved", "return_rejected"])
def test_return_emails_list_the_returned_items(order, mailoutbox, kind):
    line = order.lines.get(sku="BULB-1")
    return_request = Return.objects.create(order=order, reason="broken")
    ReturnLine.objects.create(return_request=return_request, order_line=line, quantity=1)

    send(order, kind, return_id=return_request.id)

    [message] = mailoutbox
    assert "- 1 × Bulb" in message.body
    assert "1 × Bulb" in message.alternatives[0][0]


@pytest.mark.django_db
# A gift card's email goes to its recipient, who has no order to look up: it names the card,
# not the order (tests/payments/test_gift_card_sales.py covers it).
@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"gift_card"}))
def test_every_kind_renders_text_and_html_with_the_order_number(order, mailoutbox, kind):
    send(order, kind)

    [message] = mailoutbox
    assert f"#{order.number}" in message.subject
    assert f"#{order.number}" in message.body
    assert f"#{order.number}" in message.alternatives[0][0]
    assert "{%" not in message.body and "{{" not in message.body


# --- once ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retried_task_sends_its_email_once(order, mailoutbox):
    for _ in range(2):
        services.send_order_email(order_id=order.id, kind="refunded", context={}, email_id="e1")

    assert len(mailoutbox) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1


@pytest.mark.django_db
def test_two_refunds_of_the_same_amount_send_two_emails(order, mailoutbox):
    for email_id in ("e1", "e2"):
        services.send_order_email(
            order_id=order.id, kind="refunded", context={"amount": "5.00"}, email_id=email_id
        )

    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_the_confirmation_goes_out_once_per_order_however_often_queued(order, mailoutbox):
    for email_id in ("e1", "e2"):
        services.send_order_email(order_id=order.id, kind="confirmed", email_id=email_id)

    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_email_for_a_missing_order_is_skipped(mailoutbox):
    assert services.send_order_email(order_id=999_999, kind="confirmed") is False
    assert mailoutbox == []
