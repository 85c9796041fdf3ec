"""A store's look (theme, footer links) and its own pages, in the store's schema."""

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models

from apps.content.colors import validate_hex_color, validate_readable_on_white

IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "webp", "gif"]
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def validate_image_size(file) -> None:
    if file and file.size > MAX_IMAGE_BYTES:
        raise ValidationError("Upload an image of at most 2 MB.", code="image_too_large")


LINK_VALIDATOR = RegexValidator(
    r"^(/|https?://)",
    "Enter a path on this store (starting with /) or a full http(s):// address.",
    code="invalid_link",
)


class StoreTheme(models.Model):
    """The storefront's look: one row per store schema (pk is always 1)."""

    SINGLETON_PK = 1
    DEFAULT_PRIMARY = "#0b6e4f"
    DEFAULT_ACCENT = "#17a773"

    logo = models.ImageField(
        upload_to="theme/",
        blank=True,
        max_length=255,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image_size],
        help_text="Shown in the header; the browser-tab icon is made from it. PNG, JPEG or WebP.",
    )
    # Made from the logo when it is saved (32 px tab icon, 180 px home-screen icon).
    favicon_32 = models.ImageField(max_length=255, blank=True, editable=False)
    favicon_180 = models.ImageField(max_length=255, blank=True, editable=False)
    primary_color = models.CharField(
        max_length=7,
        default=DEFAULT_PRIMARY,
        validators=[validate_hex_color, validate_readable_on_white],
        help_text="Links, prices and buttons, e.g. #0b6e4f. Must be readable on white (4.5:1).",
    )
    accent_color = models.CharField(
        max_length=7,
        default=DEFAULT_ACCENT,
        validators=[validate_hex_color],
        help_text="Announcement bar and highlights. Its text colour is chosen for you.",
    )
    hero_heading = models.CharField(max_length=120, blank=True)
    hero_text = models.CharField(max_length=300, blank=True)
    hero_image = models.ImageField(
        upload_to="theme/",
        blank=True,
        max_length=255,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image_size],
    )
    announcement = models.CharField(
        max_length=160, blank=True, help_text="A one-line bar above the header (blank: none)."
    )
    announcement_link = models.CharField(max_length=200, blank=True, validators=[LINK_VALIDATOR])
    footer_text = models.CharField(max_length=300, blank=True)
    contact_email = models.EmailField(
        blank=True, help_text="Where the contact form's messages go (blank: the store's owners)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "storefront theme"
        verbose_name_plural = "storefront theme"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="content_theme_single_row")
        ]

    def __str__(self) -> str:
        return "Storefront theme"


class FooterLink(models.Model):
    theme = models.ForeignKey(StoreTheme, related_name="footer_links", on_delete=models.CASCADE)
    label = models.CharField(max_length=60)
    url = models.CharField(max_length=200, validators=[LINK_VALIDATOR])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Page(models.Model):
    """A page the merchant writes in Markdown (shown sanitised): about, contact, policies."""

    class Kind(models.TextChoices):
        ABOUT = "about", "About"
        CONTACT = "contact", "Contact (with the contact form)"
        SHIPPING = "shipping", "Shipping policy"
        RETURNS = "returns", "Returns and refunds policy"
        PRIVACY = "privacy", "Privacy policy"
        TERMS = "terms", "Terms of service"
        OTHER = "other", "Other page"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    body = models.TextField(
        blank=True,
        max_length=50_000,
        help_text="Markdown: **bold**, *italic*, [links](https://…), lists, ## headings. "
        "Scripts, styles and unsafe HTML are removed.",
    )
    published = models.BooleanField(default=True)
    show_in_footer = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/pages/{self.slug}/"


class ContactMessage(models.Model):
    """A message sent through the contact page, kept so a failed email loses nothing."""

    name = models.CharField(max_length=120)
    email = models.EmailField()
    subject = models.CharField(max_length=160, blank=True)
    message = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>: {self.subject or self.message[:40]}"
