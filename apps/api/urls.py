from django.http import HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer

from apps.api.exceptions import error_body
from apps.api.v1 import (
    carts,
    collections,
    gift_cards,
    orders,
    products,
    recommendations,
    reviews,
)

app_name = "api"

urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/products", products.ProductListCreateApi.as_view(), name="products"),
    path(
        "v1/products/<int:product_id>", products.ProductDetailApi.as_view(), name="product-detail"
    ),
    path(
        "v1/products/<int:product_id>/inventory",
        products.ProductInventoryApi.as_view(),
        name="product-inventory",
    ),
    path(
        "v1/products/<int:product_id>/recommendations",
        recommendations.ProductRecommendationsApi.as_view(),
        name="product-recommendations",
    ),
    path(
        "v1/recommendations/for-me",
        recommendations.ForMeRecommendationsApi.as_view(),
        name="recommendations-for-me",
    ),
    path(
        "v1/products/<int:product_id>/reviews",
        reviews.ProductReviewListCreateApi.as_view(),
        name="product-reviews",
    ),
    path(
        "v1/variants/<int:variant_id>/inventory-policy",
        products.VariantPolicyApi.as_view(),
        name="variant-inventory-policy",
    ),
    path("v1/categories", products.CategoryListApi.as_view(), name="categories"),
    path("v1/collections", collections.CollectionListCreateApi.as_view(), name="collections"),
    path(
        "v1/collections/<int:collection_id>",
        collections.CollectionDetailApi.as_view(),
        name="collection-detail",
    ),
    path("v1/inventory", products.InventoryListApi.as_view(), name="inventory"),
    path("v1/carts", carts.CartCreateApi.as_view(), name="cart-create"),
    path("v1/carts/<uuid:cart_id>", carts.CartDetailApi.as_view(), name="cart-detail"),
    path("v1/carts/<uuid:cart_id>/items", carts.CartItemCreateApi.as_view(), name="cart-items"),
    path("v1/carts/<uuid:cart_id>/currency", carts.CartCurrencyApi.as_view(), name="cart-currency"),
    path(
        "v1/carts/<uuid:cart_id>/gift-cards",
        carts.CartGiftCardCreateApi.as_view(),
        name="cart-gift-cards",
    ),
    path(
        "v1/carts/<uuid:cart_id>/gift-cards/<int:gift_card_id>",
        carts.CartGiftCardDetailApi.as_view(),
        name="cart-gift-card-detail",
    ),
    path(
        "v1/carts/<uuid:cart_id>/shipping-rates",
        carts.CartShippingRatesApi.as_view(),
        name="cart-shipping-rates",
    ),
    path(
        "v1/carts/<uuid:cart_id>/items/<int:variant_id>",
        carts.CartItemDetailApi.as_view(),
        name="cart-item-detail",
    ),
    path("v1/orders", orders.OrderListCreateApi.as_view(), name="orders"),
    path("v1/orders/<uuid:order_id>", orders.OrderDetailApi.as_view(), name="order-detail"),
    path(
        "v1/orders/<uuid:order_id>/fulfillments",
        orders.OrderFulfillmentCreateApi.as_view(),
        name="order-fulfillments",
    ),
    path("v1/orders/<uuid:order_id>/cancel", orders.OrderCancelApi.as_view(), name="order-cancel"),
    path(
        "v1/orders/<uuid:order_id>/refunds",
        orders.OrderRefundCreateApi.as_view(),
        name="order-refunds",
    ),
    path("v1/gift-cards", gift_cards.GiftCardListCreateApi.as_view(), name="gift-cards"),
    path(
        "v1/gift-cards/<int:card_id>",
        gift_cards.GiftCardDetailApi.as_view(),
        name="gift-card-detail",
    ),
    path(
        "v1/gift-cards/<int:card_id>/disable",
        gift_cards.GiftCardDisableApi.as_view(),
        name="gift-card-disable",
    ),
]


@csrf_exempt  # it changes nothing; a POST must get the same JSON 404, not a CSRF page
def unknown_endpoint(request, rest: str) -> HttpResponse:
    """Any other address under /api/: the API's 404 (JSON, the one error shape), not the
    storefront's page (e.g. a path whose id is not a number)."""
    body = JSONRenderer().render(error_body("not_found", "Not found."))
    return HttpResponse(body, status=404, content_type="application/json")


urlpatterns.append(re_path(r"^(?P<rest>(?s:.*))$", unknown_endpoint))
