"""Demo store reviews (a few verified, one held for moderation) and a staff account."""

import random

from django.contrib.auth import get_user_model

from apps.accounts import services as account_services
from apps.catalog.models import Product
from apps.demo import sql as demo_sql
from apps.demo.orders import DEMO_CUSTOMER_EMAIL
from apps.orders.models import OrderLine
from apps.preferences import selectors as preference_selectors
from apps.reviews import services as review_services
from apps.reviews.models import Review

DEMO_STAFF_EMAIL = "staff@demo.mercato.local"
DEMO_STAFF_PASSWORD = "mercato-staff-2026"
REVIEWERS = [("Maya", "Okafor"), ("Tom", "Berg"), ("Lena", "Voss"), ("Ravi", "Shah")]
REVIEW_TEXTS = [
    (5, "Exactly as pictured", "Great quality and it arrived quickly. Would buy again."),
    (4, "Very nice", "Good fit and feel. The colour is a touch darker than on screen."),
    (5, "Love it", "My second one already: it holds up wash after wash."),
    (3, "Decent", "Fine for the price, but the sizing runs a little small."),
    (2, "Not for me", "The material felt thinner than I expected."),
    (4, "Solid choice", "Does the job well. Packaging was plastic-free, which I liked."),
]


def seed_reviews(*, rng: random.Random) -> int:
    """Reviews through the real services: verified ones by the demo shopper for products they
    bought, others by a few reviewer accounts, one held for moderation, and some votes."""
    User = get_user_model()
    shopper = User.objects.get(email=DEMO_CUSTOMER_EMAIL)
    bought = list(
        OrderLine.objects.filter(order__user=shopper, order__paid_at__isnull=False)
        .values_list("variant__product_id", flat=True)
        .distinct()[:2]
    )
    reviewers = [
        User.objects.create_user(
            email=f"{first.lower()}@reviewers.demo.mercato.local", password=None,
            first_name=first, last_name=last,
        )
        for first, last in REVIEWERS
    ]  # fmt: skip
    products = list(Product.objects.filter(status=Product.Status.ACTIVE).order_by("id")[:6])
    made = []
    for product_id in bought:  # verified purchases
        rating, title, body = rng.choice(REVIEW_TEXTS[:3])
        made.append(_review(product_id, shopper.id, rating, title, body))
    for i, product in enumerate(products):
        for reviewer in rng.sample(reviewers, 2 + i % 2):
            rating, title, body = rng.choice(REVIEW_TEXTS)
            if not Review.objects.filter(product=product, author=reviewer).exists():
                made.append(_review(product.id, reviewer.id, rating, title, body))
    for review in made[:6]:
        voter = rng.choice([r for r in reviewers if r.id != review.author_id])
        review_services.vote_review(review_id=review.id, user_id=voter.id, helpful=True)
    # One review waiting in the admin's moderation queue.
    store_settings = preference_selectors.get_store_settings()
    store_settings.moderate_reviews = True
    store_settings.save(update_fields=["moderate_reviews"])
    unreviewed = next(p for p in products if p.id not in bought)
    _review(unreviewed.id, shopper.id, 1, "Held for moderation",
            "This demo review waits for a moderator: publish or reject it.")  # fmt: skip
    store_settings.moderate_reviews = False
    store_settings.save(update_fields=["moderate_reviews"])
    return len(made) + 1


def _review(product_id: int, author_id: int, rating: int, title: str, body: str) -> Review:
    return review_services.submit_review(
        product_id=product_id, author_id=author_id, rating=rating, title=title, body=body,
        throttle=False,  # seeds must not use up the demo accounts' hourly allowance
    )  # fmt: skip


def backdate_carts() -> int:
    """Give each seeded order's cart its order's (backdated) date, so the dashboard's
    conversion (orders ÷ carts created) compares like with like in the demo."""
    return demo_sql.backdate_carts_to_their_orders()


def seed_staff() -> None:
    account_services.invite_staff(
        email=DEMO_STAFF_EMAIL, role="staff", password=DEMO_STAFF_PASSWORD,
        first_name="Sam", last_name="Staff",
    )  # fmt: skip
