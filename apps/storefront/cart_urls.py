from django.urls import path

from apps.storefront import cart_views

app_name = "cart"

urlpatterns = [
    path("", cart_views.cart_detail, name="detail"),
    path("add/", cart_views.cart_add, name="add"),
    path("update/", cart_views.cart_update, name="update"),
    path("remove/", cart_views.cart_remove, name="remove"),
    path("currency/", cart_views.choose_market, name="choose-market"),
]
