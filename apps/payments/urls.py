from django.urls import path

from apps.payments import views

app_name = "payments"

urlpatterns = [
    path("<uuid:token>/", views.pay, name="pay"),
    path("<uuid:token>/return/", views.payment_return, name="return"),
    path("<uuid:token>/cancel/", views.payment_cancel, name="cancel"),
    path("<uuid:token>/gift-card/", views.apply_gift_card, name="gift-card"),
    path("<uuid:token>/method/", views.choose_method, name="method"),
    path("<slug:gateway>/webhook/", views.webhook, name="webhook"),
]
