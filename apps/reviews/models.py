from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length

TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 5000


class Review(models.Model):
    """A customer's review of a product: one per customer and product, editable by its author."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        PENDING = "pending", "Pending moderation"
        REJECTED = "rejected", "Rejected"

    # No index of its own: three indexes below start with product (one of them unique).
    product = models.ForeignKey(
        "catalog.Product", related_name="reviews", on_delete=models.CASCADE, db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="reviews", on_delete=models.CASCADE
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(max_length=BODY_MAX_LENGTH, blank=True)
    verified_purchase = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    helpful_count = models.PositiveIntegerField(default=0)
    unhelpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "author"], name="reviews_one_per_author"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="reviews_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.lookups.LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                name="reviews_body_max_length",
            ),
        ]
        indexes = [
            # The product page lists published reviews newest first or most helpful first.
            models.Index(fields=["product", "status", "-created_at"], name="reviews_recent_idx"),
            models.Index(
                fields=["product", "status", "-helpful_count"], name="reviews_helpful_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title}"

    @property
    def author_display_name(self) -> str:
        """What the storefront shows for the author: first name and initial, never the email."""
        first = self.author.first_name.strip()
        last = self.author.last_name.strip()
        if first:
            return f"{first} {last[:1]}." if last else first
        return "A customer"


class ReviewVote(models.Model):
    """One customer's helpful / not helpful vote on someone else's review."""

    # No index of its own: reviews_one_vote_per_user (review, user) serves review lookups.
    review = models.ForeignKey(
        Review, related_name="votes", on_delete=models.CASCADE, db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="review_votes", on_delete=models.CASCADE
    )
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="reviews_one_vote_per_user")
        ]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'}1 on review {self.review_id} by {self.user_id}"
