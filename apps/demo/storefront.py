"""The demo store's look: product pictures, theme (logo, colours, banner, announcement) and
its pages, so the demo looks like a shop."""

from django.core.files.base import ContentFile
from django.utils.text import slugify

from apps.catalog import services as catalog_services
from apps.catalog.models import Product
from apps.content import selectors as content_selectors
from apps.content import services as content_services
from apps.content.models import FooterLink, Page
from apps.demo import images

THEME = {
    "primary_color": "#8a1c3b",  # 8.9:1 on white
    "accent_color": "#f2c14e",
    "hero_heading": "Everyday goods, made to last",
    "hero_text": "Organic tees, cosy hoodies, stoneware mugs and prints, packed by hand and "
    "shipped within two days.",
    "announcement": "Free shipping on orders over $50 · Use WELCOME10 for 10% off",
    "announcement_link": "/pages/shipping/",
    "footer_text": "Mercato Demo Store: a sample shop to try the platform. Nothing here ships.",
}
ABOUT = (
    "Mercato Demo Store started as a market stall: a few screen-printed tees and a table of "
    "mugs. Today we make **everyday goods that last**: organic cotton apparel, stoneware "
    "and prints from independent artists.\n\n"
    "- Designed in small batches\n- Packed by hand, plastic-free\n"
    "- 30-day returns, no questions asked\n\n"
    "Questions? [Write to us](/pages/contact/)."
)


def add_product_pictures(*, product: Product, kind: str, colors: list[str]) -> int:
    """One picture per colour (one in all for a product without colours); thumbnails now."""
    for position, color in enumerate(colors or [""]):
        picture = images.product_picture(kind=kind, name=product.name, color=color)
        name = f"{slugify(product.name)}{'-' + slugify(color) if color else ''}.jpg"
        catalog_services.add_product_image(
            product=product,
            image=ContentFile(picture, name=name),
            alt_text=f"{product.name} in {color}" if color else product.name,
            position=position,
            thumbnails_now=True,
        )
    return len(colors or [""])


def seed_storefront() -> None:
    """Theme with a drawn logo and banner, two footer links, the demo's About page."""
    theme = content_selectors.get_theme()
    for field, value in THEME.items():
        setattr(theme, field, value)
    theme.logo = ContentFile(
        images.logo_picture(text="Mercato Demo", color=(138, 28, 59)), name="demo-logo.png"
    )
    theme.hero_image = ContentFile(
        images.banner_picture(colors=[(138, 28, 59), (38, 54, 94), (47, 93, 70)]),
        name="demo-banner.jpg",
    )
    content_services.save_theme(theme=theme, logo_changed=True)
    FooterLink.objects.bulk_create(
        [
            FooterLink(
                theme=theme, label="Mercato on GitHub", url="https://github.com/", position=1
            ),
            FooterLink(theme=theme, label="Search the shop", url="/search/", position=2),
        ]
    )
    content_services.create_default_pages()
    about = Page.objects.get(slug="about")
    about.body = ABOUT
    content_services.save_page(page=about)
