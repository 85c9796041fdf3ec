from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import Category, Product
from apps.inventory import selectors as inventory_selectors

PAGE_SIZE = 24
LOW_STOCK_SHOWN_BELOW = 5


def home(request):
    return render(
        request,
        "storefront/home.html",
        {
            "featured": catalog_selectors.list_featured_products(),
            "newest": catalog_selectors.list_newest_products(),
            "categories": catalog_selectors.list_top_categories(),
        },
    )


def category_detail(request, slug: str):
    try:
        category = catalog_selectors.get_category(slug=slug)
    except Category.DoesNotExist as exc:
        raise Http404("No such category") from exc
    paginator = Paginator(catalog_selectors.list_products_in_category(category=category), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "storefront/category.html", {"category": category, "page": page})


def product_detail(request, slug: str):
    try:
        product = catalog_selectors.get_product_for_storefront(slug=slug)
    except Product.DoesNotExist as exc:
        raise Http404("No such product") from exc
    variants = list(product.variants.all())
    available = inventory_selectors.get_available_by_variant(v.id for v in variants)
    rows = [
        {
            "variant": v,
            "available": available.get(v.id, 0),
            "status": stock_status(available.get(v.id, 0)),
        }
        for v in variants
    ]
    return render(request, "storefront/product.html", {"product": product, "rows": rows})


def stock_status(available: int) -> str:
    if available <= 0:
        return "Out of stock"
    if available <= LOW_STOCK_SHOWN_BELOW:
        return f"Only {available} left"
    return "In stock"
