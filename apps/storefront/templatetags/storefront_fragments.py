"""``{% recommendation_widget recs_bought_together %}``: a recommendation strip, rendered once
and kept in the store's cache (``apps.storefront.fragments``)."""

from django import template

from apps.storefront import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def recommendation_widget(context, widget):
    store = context.get("store")
    return fragments.recommendation_widget_html(widget, currency=getattr(store, "currency", ""))
