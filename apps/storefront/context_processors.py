from django.utils.functional import SimpleLazyObject

from apps.catalog import selectors as catalog_selectors


def navigation(request):
    """Top-level categories for the storefront header; queried only if a template uses them."""
    if getattr(request, "store", None) is None:
        return {}
    return {
        "nav_categories": SimpleLazyObject(lambda: list(catalog_selectors.list_top_categories()))
    }
