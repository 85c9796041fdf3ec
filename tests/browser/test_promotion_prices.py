"""A shopper sees a promotion's price where it applies: the card, the product page, the cart."""

import re
from decimal import Decimal

from apps.checkout import promotions
from apps.checkout.models import Promotion
from tests.browser.conftest import DESKTOP
from tests.browser.shop import open_shop


def test_shopper_sees_the_promotion_price_on_the_card_product_page_and_cart(
    committed_store, live_web, open_page
):
    shop = open_shop()
    sale = promotions.save_promotion(promotion=Promotion(
        name="20 % off apparel", value=Decimal("20"), applies_to=Promotion.AppliesTo.CATEGORIES
    ))  # fmt: skip
    promotions.set_promotion_targets(promotion=sale, category_ids=[shop.category.id])
    page = open_page(DESKTOP)

    page.goto(live_web.url(committed_store.primary_host, shop.category.get_absolute_url()))
    card = page.locator("article.card", has_text="Harbour Mug")
    card_text = card.inner_text()
    card.get_by_role("link").click()
    page.wait_for_url(re.compile(re.escape(shop.mug.get_absolute_url())))
    product_price = page.locator("p.price.big").inner_text()
    badge = page.locator("[data-promotion]").first.inner_text()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    cart_line = page.locator("main tbody tr").first.inner_text()
    saving = page.locator("[data-cart-saving]").inner_text()

    assert "9.60" in card_text and "12.00" in card_text and "20 % off apparel" in card_text
    assert product_price.startswith("9.60") and "12.00" in product_price
    assert badge == "20 % off apparel"
    assert "9.60" in cart_line and "20 % off apparel: −2.40" in cart_line
    assert "2.40" in saving
