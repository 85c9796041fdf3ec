from django.urls import path

from apps.storefront import recommendation_views as views

app_name = "recommendations"

urlpatterns = [
    path("back-in-stock/", views.back_in_stock_subscribe, name="back-in-stock"),
    path("cart/<str:token>/", views.restore_cart, name="restore-cart"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("click/<str:widget>/<int:product_id>/", views.click, name="click"),
]
