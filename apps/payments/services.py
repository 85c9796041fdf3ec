"""PROVISIONAL (checkout branch): replaced by the payments branch at merge."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentStart:
    redirect_url: str = ""
    client_secret: str = ""
    external_id: str = ""


def start_payment(*, order_id: int, return_url: str) -> PaymentStart:
    return PaymentStart(redirect_url=return_url)


def refund_order(*, order_id: int, amount, actor_id=None, reason: str = ""):
    from apps.orders import services as order_services

    return order_services.record_refund(
        order_id=order_id, amount=amount, actor_id=actor_id, reason=reason
    )
