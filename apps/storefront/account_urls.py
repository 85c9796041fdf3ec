from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from apps.storefront import account_views, address_views

app_name = "account"

urlpatterns = [
    path("", account_views.account_home, name="home"),
    path("login/", account_views.StoreLoginView.as_view(), name="login"),
    path("logout/", account_views.StoreLogoutView.as_view(), name="logout"),
    path("signup/", account_views.signup, name="signup"),
    path("confirm/<str:token>/", account_views.signup_confirm, name="signup-confirm"),
    path("wishlist/", account_views.wishlist, name="wishlist"),
    path("addresses/", address_views.address_list, name="addresses"),
    path("addresses/new/", address_views.address_edit, name="address-add"),
    path("addresses/<int:address_id>/", address_views.address_edit, name="address-edit"),
    path("addresses/<int:address_id>/delete/", address_views.address_delete, name="address-delete"),
    path("wishlist/add/", account_views.wishlist_add, name="wishlist-add"),
    path("wishlist/remove/", account_views.wishlist_remove, name="wishlist-remove"),
    path("wishlist/move/", account_views.wishlist_move_to_cart, name="wishlist-move"),
    path(
        "password-reset/",
        account_views.StorePasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="storefront/account/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="storefront/account/password_reset_confirm.html",
            success_url=reverse_lazy("account:login"),
        ),
        name="password-reset-confirm",
    ),
]
