"""The API's payment methods come from the payment gateway registry."""

from apps.api.v1.order_serializers import OrderCreateInput
from apps.payments.gateways import registry


def test_order_payment_method_accepts_exactly_the_registered_gateways():
    field = OrderCreateInput().fields["payment_method"]

    assert list(field.choices) == registry.gateway_names()
    assert field.run_validation("stripe") == "stripe"
    assert field.run_validation("paypal") == "paypal"
    assert "bitcoin" not in field.choices
