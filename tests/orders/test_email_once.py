"""An order email goes out once per message however often its task runs (issue #16)."""

import pytest
from django.core import mail

from apps.orders import services
from apps.orders.models import OrderEmail, OrderEvent
from apps.orders.services.emails import message_id_for
from tests.concurrency import run_concurrently
from tests.factories.payments import OrderFactory, OrderLineFactory
from tests.orders.email_backends import FailOnceBackend


def send(order, kind="confirmed", email_id="email-1", **context):
    return services.send_order_email(
        order_id=order.id, kind=kind, context=context, email_id=email_id
    )


@pytest.mark.django_db
def test_a_second_run_of_the_same_message_sends_nothing(mailoutbox):
    order = OrderFactory()

    first, second = send(order), send(order, email_id="email-2")  # confirmed: once per order

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1
    claim = OrderEmail.objects.get(order=order)
    assert claim.key == "confirmed" and claim.sent_at is not None
    assert mailoutbox[0].extra_headers["Message-ID"] == claim.message_id
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1


@pytest.mark.django_db
def test_repeatable_kinds_are_one_message_per_queued_email(mailoutbox):
    order = OrderFactory()

    results = [
        send(order, "shipped", "a"),
        send(order, "shipped", "b"),
        send(order, "shipped", "a"),
    ]

    assert results == [True, True, False]
    assert len(mailoutbox) == 2
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 2


@pytest.mark.django_db
def test_a_failed_send_leaves_the_claim_open_and_the_retry_has_the_same_message_id(
    settings, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.orders.email_backends.FailOnceBackend"
    FailOnceBackend.attempts = 0
    order = OrderFactory()

    with pytest.raises(OSError):
        send(order)
    claim = OrderEmail.objects.get(order=order)
    assert claim.sent_at is None
    assert not OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).exists()
    assert send(order) is True

    [message] = mailoutbox
    assert message.extra_headers["Message-ID"] == claim.message_id
    assert claim.message_id == message_id_for(order_id=order.id, key="confirmed")
    assert claim.message_id.endswith(f"@{settings.PLATFORM_DOMAIN}>")


def test_two_deliveries_of_one_message_at_the_same_moment_send_it_once(
    committed_store, settings, mailoutbox
):
    # The first sender holds the claim for the whole (slow) SMTP call; the second waits on the
    # claim's row lock, then finds the message sent.
    settings.EMAIL_BACKEND = "tests.orders.email_backends.SlowBackend"
    order = OrderFactory(email="buyer@example.test")
    OrderLineFactory(order=order)

    results = run_concurrently(
        lambda: services.send_order_email(order_id=order.id, kind="confirmed", email_id="x"),
        [(), ()],
        store=committed_store,
    )

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).count() == 1
