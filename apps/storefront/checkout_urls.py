from django.urls import path

from apps.storefront import checkout_views

app_name = "checkout"

urlpatterns = [
    path("", checkout_views.checkout_start, name="start"),
    path("<uuid:token>/", checkout_views.checkout_page, name="page"),
    # The former steps are sections of the page now; their URLs lead there.
    path("<uuid:token>/contact/", checkout_views.checkout_step, name="contact"),
    path("<uuid:token>/shipping/", checkout_views.checkout_step, name="shipping"),
    path("<uuid:token>/delivery/", checkout_views.checkout_step, name="delivery"),
    path("<uuid:token>/review/", checkout_views.checkout_step, name="review"),
    path("<uuid:token>/voucher/", checkout_views.checkout_voucher, name="voucher"),
]
