"""``{% recommendation_widget recs_bought_together %}``: a recommendation strip, rendered once
and kept in the store's cache (``apps.storefront.fragments``)."""

from django import template

from apps.markets import selectors as market_selectors
from apps.storefront import fragments, markets

register = template.Library()


@register.simple_tag(takes_context=True)
def recommendation_widget(context, widget):
    """In the shopper's market: the context processor's ``market`` (pages), else the request's,
    else the store's currency (a strip rendered outside a request)."""
    market = context.get("market")
    if market is None:
        request = context.get("request")
        market = markets.current_market(request) if request else market_selectors.base_market()
    return fragments.recommendation_widget_html(widget, market=market)
