"""Demo store shipping, tax, vouchers, promotions, a customer and a month of orders (for the
dashboard)."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.cart import services as cart_services
from apps.cart.models import Cart
from apps.catalog.models import Category, Variant
from apps.checkout import promotions as promotion_services
from apps.checkout import services as checkout_services
from apps.checkout.models import Promotion, ShippingMethod, ShippingZone, TaxRate, Voucher
from apps.core.exceptions import DomainError
from apps.inventory import selectors as inventory_selectors
from apps.orders import services as order_services
from apps.orders.models import Order

DEMO_VOUCHER = "WELCOME10"
DEMO_CUSTOMER_EMAIL = "customer@demo.mercato.local"
DEMO_CUSTOMER_PASSWORD = "mercato-shopper-2026"
ADDRESSES = [
    {"full_name": "Ada Lovelace", "line1": "12 Analytical Way", "city": "Portland",
     "postal_code": "97201", "country": "US"},
    {"full_name": "Grace Hopper", "line1": "1 Compiler Court", "city": "Arlington",
     "postal_code": "22201", "country": "US"},
    {"full_name": "Alan Turing", "line1": "7 Enigma Road", "city": "Toronto",
     "postal_code": "M5V 2T6", "country": "CA"},
]  # fmt: skip


def seed_checkout_rules() -> None:
    """The demo's rules, made from the store's defaults (its US zone, flat rate and tax row) as
    a merchant would edit them, so that nothing exists twice."""
    domestic = ShippingZone.objects.filter(countries__contains=["US"]).first()
    if domestic is None:
        domestic = ShippingZone.objects.create(name="United States", countries=["US"])
    domestic.name = "United States"
    domestic.save(update_fields=["name"])
    standard = domestic.methods.order_by("id").first() or ShippingMethod(zone=domestic)
    standard.name, standard.price, standard.free_over = (
        "Standard (3–5 days)", Decimal("5.00"), Decimal("75"),
    )  # fmt: skip
    standard.save()
    ShippingMethod.objects.create(zone=domestic, name="Express (1–2 days)", price=Decimal("15.00"))
    world = ShippingZone.objects.create(
        name="International", countries=["CA", "GB", "DE", "FR", "NL", "AU", "JP"]
    )
    ShippingMethod.objects.create(
        zone=world, name="International tracked", kind=ShippingMethod.Kind.BY_WEIGHT,
        price=Decimal("9.00"), price_per_kg=Decimal("4.00"),
    )  # fmt: skip
    TaxRate.objects.update_or_create(
        country="US", defaults={"name": "Sales tax", "rate": Decimal("0.0700")}
    )
    TaxRate.objects.create(country="CA", name="GST", rate=Decimal("0.0500"))
    Voucher.objects.create(code=DEMO_VOUCHER, kind=Voucher.Kind.PERCENT, value=Decimal("10"))
    Voucher.objects.create(
        code="FREESHIP", kind=Voucher.Kind.FREE_SHIPPING, minimum_subtotal=Decimal("30")
    )
    seed_promotions()


def seed_promotions() -> None:
    """Two running promotions: 20 % off hoodies and buy 2 mugs get 1 free. Both combine with
    each other and with vouchers (``WELCOME10`` still works on a basket they discount)."""
    targets = dict(Category.objects.filter(name__in=["Hoodies", "Mugs"]).values_list("name", "id"))
    if "Hoodies" in targets:
        hoodies = promotion_services.save_promotion(promotion=Promotion(
            name="20 % off hoodies", value=Decimal("20"), priority=10,
            applies_to=Promotion.AppliesTo.CATEGORIES,
            combines_with_promotions=True, combines_with_vouchers=True,
        ))  # fmt: skip
        promotion_services.set_promotion_targets(
            promotion=hoodies, category_ids=[targets["Hoodies"]]
        )
    if "Mugs" in targets:
        mugs = promotion_services.save_promotion(promotion=Promotion(
            name="Mugs: buy 2, get 1 free", kind=Promotion.Kind.BUY_X_GET_Y,
            value=Decimal("100"), buy_quantity=2, get_quantity=1, priority=20,
            applies_to=Promotion.AppliesTo.CATEGORIES,
            combines_with_promotions=True, combines_with_vouchers=True,
        ))  # fmt: skip
        promotion_services.set_promotion_targets(promotion=mugs, category_ids=[targets["Mugs"]])


def seed_orders(*, rng: random.Random, count: int = 45, days: int = 30) -> int:
    """Place orders through the real checkout and move them along the status machine."""
    customer = get_user_model().objects.create_user(
        email=DEMO_CUSTOMER_EMAIL, password=DEMO_CUSTOMER_PASSWORD, first_name="Demo"
    )
    variant_ids = list(Variant.objects.filter(active=True).values_list("id", flat=True))
    now = timezone.now()
    made = 0
    for i in range(count):
        available = inventory_selectors.get_available_by_variant(variant_ids)
        in_stock = [v for v in variant_ids if available.get(v, 0) >= 2]
        if not in_stock:
            break
        is_customer = i % 5 == 0
        cart = Cart.objects.create(user=customer if is_customer else None)
        try:
            for variant_id in rng.sample(in_stock, rng.choice([1, 1, 2, 3])):
                cart_services.add_to_cart(
                    cart=cart, variant_id=variant_id, quantity=rng.choice([1, 1, 2])
                )
            order = _checkout(cart, rng, customer if is_customer else None, i)
        except DomainError:
            continue
        _advance(order, rng, age_days=rng.uniform(0, days))
        Order.objects.filter(pk=order.pk).update(
            created_at=now - timedelta(days=rng.uniform(0, days), minutes=i)
        )
        made += 1
    return made


def _checkout(cart, rng, customer, i) -> Order:
    address = rng.choice(ADDRESSES)
    email = customer.email if customer else f"shopper{i}@example.com"
    method = ShippingMethod.objects.filter(zone__countries__contains=[address["country"]]).first()
    assert method is not None  # seed_checkout_rules serves every demo address's country
    answers = checkout_services.CheckoutAnswers(
        email=email,
        address=address,
        shipping_method_id=method.id,
        voucher_code=DEMO_VOUCHER if rng.random() < 0.25 else "",
    )
    return checkout_services.checkout_in_one_step(
        cart=cart, answers=answers, user_id=customer and customer.id
    )


def _advance(order: Order, rng: random.Random, *, age_days: float) -> None:
    roll = rng.random()
    if roll < 0.08:
        order_services.cancel_order(order_id=order.id, reason="Demo: customer cancelled")
        return
    if roll < 0.12:
        return  # left pending: the sweeper will cancel it when its hold lapses
    order_services.mark_order_paid(order_id=order.id, amount=order.total, payment_reference="demo")
    if roll < 0.35:
        return
    lines = [(line.id, line.quantity) for line in order.lines.all()]
    order_services.fulfill_order(
        order_id=order.id, lines=lines, carrier=rng.choice(["UPS", "USPS", "DHL"]),
        tracking_number=f"1Z{rng.randrange(10**9, 10**10)}",
    )  # fmt: skip
    if roll < 0.8 and age_days > 3:
        order_services.mark_order_delivered(order_id=order.id)
