import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Cart(models.Model):
    """A shopper's cart, durable in PostgreSQL. The cookie holds only the token.

    Prices are never stored here: they are read from the catalog whenever the cart is shown,
    in the cart's currency (a market's, issue 20; blank: the store's own).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MERGED = "merged", "Merged into another cart"
        ORDERED = "ordered", "Ordered"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="carts",
        on_delete=models.CASCADE,
    )
    email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="Blank: the store's")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # A customer has at most one open cart; anonymous carts are merged into it at login.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="open"), name="cart_one_open_cart_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.token}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey("catalog.Variant", related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    # A gift card's recipient (``recipient_name``, ``recipient_email``, ``message``), entered on
    # the product page; empty for other products.
    gift_card = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class WishlistItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="wishlist_items", on_delete=models.CASCADE
    )
    variant = models.ForeignKey("catalog.Variant", related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "variant"], name="wishlist_unique_variant")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.variant_id}"
