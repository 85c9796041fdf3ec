from apps.payments.models import Payment


def get_payment_by_token(*, token) -> Payment:
    """The payment behind a payment-page URL, with its order. Raises Payment.DoesNotExist."""
    return Payment.objects.select_related("order").get(token=token)


def list_payments_for_order(*, order_id: int):
    return Payment.objects.filter(order_id=order_id).prefetch_related("refunds")
