from decimal import Decimal

import factory

from apps.checkout import promotions
from apps.checkout.models import Promotion, ShippingMethod, ShippingZone, TaxRate, Voucher


class ShippingZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    countries = factory.LazyFunction(lambda: ["US", "CA"])


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod

    zone = factory.SubFactory(ShippingZoneFactory)
    name = "Standard"
    price = Decimal("5.00")


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("country",)

    country = "US"
    rate = Decimal("0.1000")


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Voucher.Kind.PERCENT
    value = Decimal("10")


class PromotionFactory(factory.django.DjangoModelFactory):
    """A live 10 % off everything; pass targets with ``promotions.set_promotion_targets``."""

    class Meta:
        model = Promotion

    name = factory.Sequence(lambda n: f"Promotion {n}")
    kind = Promotion.Kind.ITEMS
    value_type = Promotion.ValueType.PERCENT
    value = Decimal("10")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the admin does: through the service, which moves the catalog version on.
        return promotions.save_promotion(promotion=model_class(*args, **kwargs))
