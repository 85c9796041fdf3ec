"""What storefront views call: one function per page, returning the partials' context.

    # product page view
    context.update(recommendation_pages.product_page_context(request, product))
    # home page view
    context.update(recommendation_pages.home_page_context(request))

``product_page_context`` also records the view (one Redis round trip) and updates the
recently-viewed cookie; ``VisitorCookiesMiddleware`` writes the cookies.
"""

from apps.catalog.models import Product
from apps.recommendations import selectors, services, visitors


def product_page_context(request, product: Product) -> dict:
    """Record this product view; return ``recs_*`` context for the product-page partials."""
    visitor = visitors.get_visitor(request, create=True)
    recs = selectors.get_product_page_recommendations(
        product=product, recent_ids=visitor.recent_ids
    )
    services.record_product_view(
        product_id=product.id,
        visitor_key=visitor.key,
        user_id=visitor.user_id,
        impressions=recs.shown_widgets(),
    )
    visitors.remember_recently_viewed(request, product.id)
    return {
        "recs_bought_together": recs.bought_together,
        "recs_viewed_together": recs.viewed_together,
        "recs_recently_viewed": recs.recently_viewed,
        "recs_back_in_stock": recs.back_in_stock,
    }


def home_page_context(request) -> dict:
    """``recs_for_you`` (for you, or trending) and ``recs_recently_viewed`` for the home page."""
    visitor = visitors.get_visitor(request)
    recs = selectors.get_home_recommendations(
        user_id=visitor.user_id, recent_ids=visitor.recent_ids
    )
    services.record_impressions(widgets=recs.shown_widgets())
    return {"recs_for_you": recs.for_you, "recs_recently_viewed": recs.recently_viewed}
