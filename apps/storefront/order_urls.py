from django.urls import path

from apps.storefront import order_views

app_name = "orders"

urlpatterns = [
    path("lookup/", order_views.order_lookup, name="lookup"),
    path("<uuid:token>/", order_views.order_detail, name="detail"),
    path("<uuid:token>/pay/", order_views.order_pay, name="pay"),
    path("<uuid:token>/return/", order_views.order_return, name="return"),
]
