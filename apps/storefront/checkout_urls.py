from django.urls import path

from apps.storefront import checkout_views

app_name = "checkout"

urlpatterns = [
    path("", checkout_views.checkout_start, name="start"),
    path("<uuid:token>/contact/", checkout_views.checkout_contact, name="contact"),
    path("<uuid:token>/shipping/", checkout_views.checkout_shipping, name="shipping"),
    path("<uuid:token>/delivery/", checkout_views.checkout_delivery, name="delivery"),
    path("<uuid:token>/review/", checkout_views.checkout_review, name="review"),
    path("<uuid:token>/voucher/", checkout_views.checkout_voucher, name="voucher"),
    path("<uuid:token>/pay/", checkout_views.checkout_pay, name="pay"),
]
