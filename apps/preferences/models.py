from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class StoreSettings(models.Model):
    """The store's own settings: one row per store schema (pk is always 1).

    Identity and money settings the platform needs across stores (name, currency, country,
    prices_include_tax, status) live on the public ``tenants.Store`` row; everything only this
    store's code reads lives here, in the store's schema.
    """

    SINGLETON_PK = 1

    # A new store takes payments with the built-in test gateway (no real money moves).
    DEFAULT_PAYMENT_GATEWAY = "test"

    reservation_minutes = models.PositiveIntegerField(
        default=15, help_text="How long checkout holds stock before releasing it."
    )
    low_stock_threshold = models.PositiveIntegerField(
        default=5, help_text="Default level below which a variant counts as low on stock."
    )
    moderate_reviews = models.BooleanField(
        default=False, help_text="Hold new reviews until a staff member publishes them."
    )
    email_sender = models.EmailField(blank=True, help_text="From address of customer emails.")
    abandoned_cart_hours = models.PositiveIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="Hours after the last change before a cart with an email gets one reminder.",
    )
    # The gateways of the payments registry that take this store's payments, enabled by its
    # owner: their names in the owner's order, comma-separated ("test,paypal"); the first is
    # the default. Read only through the registry (``enabled_gateway_names``). Each gateway's
    # own settings (keys, secrets) live with the payments app (GatewaySettings).
    payment_gateway = models.CharField(max_length=64, default=DEFAULT_PAYMENT_GATEWAY)
    # db_default: rows written by code that predates the column (historic migration states,
    # an older process during a deploy) still insert.
    require_staff_two_factor = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Staff must sign in to the store admin with an authenticator code.",
    )
    # Pre-launch storefront password (as Shopify's): until the store is launched, visitors
    # must type it (store staff and the API never). Shown to the merchant in the admin: it is
    # a shared "coming soon" key handed to friends and testers, not an account credential.
    # db_default: rows written by code that predates the column (older processes during a
    # deploy, historical models in migrations) still insert.
    storefront_password = models.CharField(max_length=60, blank=True, default="", db_default="")
    launched_at = models.DateTimeField(
        null=True, blank=True, help_text="When the merchant launched the store (opened it)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "store settings"
        verbose_name_plural = "store settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="preferences_single_row")
        ]

    def __str__(self) -> str:
        return "Store settings"

    @property
    def storefront_locked(self) -> bool:
        return bool(self.storefront_password) and self.launched_at is None
