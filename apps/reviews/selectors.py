"""Review reads: the product page's summary (histogram, average, one page of reviews) and the
"verified purchase" rule."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from apps.orders.models import Order, OrderLine
from apps.reviews.models import Review, ReviewVote

PAGE_SIZE = 10
SORTS = {
    "recent": ("-created_at", "-id"),
    "helpful": ("-helpful_count", "-created_at", "-id"),
}
DEFAULT_SORT = "recent"

# A purchase counts once money was received: paid, or paid and later (partly) refunded, or an
# order the status machine moved past payment (paid → fulfilled → delivered).
PAID_PAYMENT_STATUSES = (Order.PaymentStatus.PAID, Order.PaymentStatus.PARTIALLY_REFUNDED)
PAID_ORDER_STATUSES = (
    Order.Status.PAID,
    Order.Status.PARTIALLY_FULFILLED,
    Order.Status.FULFILLED,
    Order.Status.DELIVERED,
)


def has_bought_product(*, user_id: int, product_id: int) -> bool:
    """True when the customer has a paid order line for one of the product's variants."""
    return OrderLine.objects.filter(
        Q(order__payment_status__in=PAID_PAYMENT_STATUSES)
        | Q(order__status__in=PAID_ORDER_STATUSES),
        order__user_id=user_id,
        variant__product_id=product_id,
    ).exists()


@dataclass
class HistogramBar:
    stars: int
    count: int
    percent: int


@dataclass
class ReviewSummary:
    """Everything ``reviews/includes/_product_reviews.html`` needs for one product."""

    product_id: int
    average: Decimal
    count: int
    histogram: list[HistogramBar]
    sort: str
    sorts: list[tuple[str, str]]
    page: Page
    own_review: Review | None = None
    votes: dict[int, bool] = field(default_factory=dict)  # review id → the viewer's vote
    can_write: bool = False

    @property
    def reviews(self) -> list[Review]:
        return list(self.page.object_list)

    @property
    def average_stars(self) -> int:
        """The average rounded to whole stars, for the star row."""
        return int(self.average.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def list_published_reviews(*, product_id: int, sort: str = DEFAULT_SORT):
    return (
        Review.objects.filter(product_id=product_id, status=Review.Status.PUBLISHED)
        .select_related("author")
        .only(
            "id", "product_id", "rating", "title", "body", "verified_purchase", "status",
            "helpful_count", "unhelpful_count", "created_at", "updated_at", "author_id",
            "author__first_name", "author__last_name",
        )
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    )  # fmt: skip


def get_product_review_summary(
    product_id: int,
    sort: str = DEFAULT_SORT,
    page: int | str | None = 1,
    *,
    user=None,
    published_count: int | None = None,
) -> ReviewSummary:
    """The product's review block: at most five queries whatever the number of reviews.

    1 histogram (published reviews by star), 1 page of reviews with authors (the count comes
    from the histogram, so the paginator asks no COUNT), and for a signed-in viewer 1 for their
    own review and 1 for their votes on the page shown.
    """
    sort = sort if sort in SORTS else DEFAULT_SORT
    # ``published_count`` is the product's rating_count, kept in the review's own transaction:
    # when it says 0 there is nothing to count or list.
    by_star = {}
    if published_count != 0:
        by_star = dict(
            Review.objects.filter(product_id=product_id, status=Review.Status.PUBLISHED)
            .values_list("rating")
            .annotate(n=Count("id"))
            .order_by()
        )
    total = sum(by_star.values())
    stars_sum = sum(stars * n for stars, n in by_star.items())
    average = (Decimal(stars_sum) / total).quantize(Decimal("0.01")) if total else Decimal("0")
    histogram = [
        HistogramBar(stars=s, count=by_star.get(s, 0),
                     percent=round(100 * by_star.get(s, 0) / total) if total else 0)
        for s in range(5, 0, -1)
    ]  # fmt: skip

    # No published review (most products): an empty page without building the reviews query.
    reviews = list_published_reviews(product_id=product_id, sort=sort) if total else []
    paginator = Paginator(reviews, PAGE_SIZE)
    paginator.count = total  # known already: no COUNT query
    page_obj = paginator.get_page(page)
    page_obj.object_list = list(page_obj.object_list)

    own_review, votes, can_write = None, {}, False
    if user is not None and user.is_authenticated:
        can_write = user.is_active
        own_review = Review.objects.filter(product_id=product_id, author_id=user.pk).first()
        ids = [review.id for review in page_obj.object_list]
        if ids:
            votes = dict(
                ReviewVote.objects.filter(user_id=user.pk, review_id__in=ids).values_list(
                    "review_id", "helpful"
                )
            )
    for review in page_obj.object_list:
        review.viewer_vote = votes.get(review.id)  # True / False / None, for the vote buttons
    return ReviewSummary(
        product_id=product_id,
        average=average,
        count=total,
        histogram=histogram,
        sort=sort,
        sorts=[("recent", "Most recent"), ("helpful", "Most helpful")],
        page=page_obj,
        own_review=own_review,
        votes=votes,
        can_write=can_write,
    )
