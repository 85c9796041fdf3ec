"""Payment writes. Import this package: ``from apps.payments import services``.

- ``payments``: start_payment, complete_page_payment (complete_test_payment),
  sync_payment_status (and recording the outcome of a payment for its order);
- ``refunds``: refund_order, refund_unapplied_payment;
- ``gateway_settings``: update_gateway_settings, create_default_payment_settings;
- ``gift_cards``: issue_gift_card, disable_gift_card, find_gift_card, redeem_gift_card,
  refund_to_gift_card, pay_with_gift_card (split tender on the payment page),
  return_gift_cards_of_cancelled_orders;
- ``gift_card_sales``: pay_locked_order (every payment path pays the order through it),
  issue_sold_gift_cards, send_gift_card_email (gift cards sold as products);
- ``webhooks``: process_webhook, mark_events_checked;
- ``order_flows``: cancel_and_refund, receive_return_and_refund (an order change, then a
  refund through the provider).
"""

from apps.payments.models import CAPTURED, OPEN
from apps.payments.services.gateway_settings import (
    create_default_payment_settings,
    update_gateway_settings,
)
from apps.payments.services.gift_card_sales import (
    issue_sold_gift_cards,
    pay_locked_order,
    send_gift_card_email,
)
from apps.payments.services.gift_cards import (
    GIFT_CARD_GATEWAY,
    IssuedGiftCard,
    disable_gift_card,
    find_gift_card,
    issue_gift_card,
    pay_with_gift_card,
    redeem_gift_card,
    refund_to_gift_card,
    return_gift_cards_of_cancelled_orders,
    spend_gift_cards_on_new_order,
)
from apps.payments.services.order_flows import (
    cancel_and_refund,
    receive_return_and_refund,
    refund_lines,
)
from apps.payments.services.payments import (
    check_payment_usable,
    check_store_takes_payments,
    complete_page_payment,
    complete_test_payment,
    open_payment_for_new_order,
    start_opened_payment,
    start_payment,
    sync_payment_status,
)
from apps.payments.services.refunds import refund_order, refund_unapplied_payment
from apps.payments.services.webhooks import mark_events_checked, process_webhook

__all__ = [
    "CAPTURED",
    "GIFT_CARD_GATEWAY",
    "IssuedGiftCard",
    "OPEN",
    "cancel_and_refund",
    "refund_lines",
    "check_store_takes_payments",
    "check_payment_usable",
    "create_default_payment_settings",
    "complete_page_payment",
    "complete_test_payment",
    "disable_gift_card",
    "find_gift_card",
    "issue_gift_card",
    "issue_sold_gift_cards",
    "mark_events_checked",
    "pay_locked_order",
    "send_gift_card_email",
    "process_webhook",
    "receive_return_and_refund",
    "redeem_gift_card",
    "refund_to_gift_card",
    "return_gift_cards_of_cancelled_orders",
    "spend_gift_cards_on_new_order",
    "refund_order",
    "open_payment_for_new_order",
    "pay_with_gift_card",
    "refund_unapplied_payment",
    "start_opened_payment",
    "start_payment",
    "sync_payment_status",
    "update_gateway_settings",
]
