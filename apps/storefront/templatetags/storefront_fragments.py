"""``{% recommendation_widget recs_bought_together %}``: a recommendation strip, rendered once
and kept in the store's cache (``apps.storefront.fragments``)."""

from django import template

from apps.storefront import fragments, markets

register = template.Library()


@register.simple_tag(takes_context=True)
def recommendation_widget(context, widget):
    """In the shopper's market (the context processor's ``market``; the request's otherwise)."""
    market = context.get("market")
    if market is None:
        market = markets.current_market(context["request"])
    return fragments.recommendation_widget_html(widget, market=market)
