"""Customer accounts on a store: sign up, sign in (merging the cart), orders, wishlist."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts import customer_signup
from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.core import throttling
from apps.core.exceptions import DomainError
from apps.core.redirects import safe_next
from apps.orders import selectors as order_selectors
from apps.storefront import variant_choice
from apps.storefront.account_forms import SignupForm
from apps.storefront.carts import CART_COOKIE, current_or_new_cart, remember_cart
from apps.storefront.context_processors import canonical_base
from apps.storefront.http import post_only

ACCOUNT_LOGIN_URL = reverse_lazy("account:login")


def _merge_anonymous_cart(request, response):
    anonymous = cart_selectors.get_open_cart(token=request.COOKIES.get(CART_COOKIE))
    cart = cart_services.merge_cart_into_user_cart(
        anonymous_cart=anonymous, user_id=request.user.id
    )
    return remember_cart(response, cart)


class SafeNextMixin(auth_views.RedirectURLMixin):
    """Follow ``next`` only to a local path on this host (Django's check accepts bare words)."""

    request: HttpRequest

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        request = request or self.request
        field = self.redirect_field_name
        return safe_next(request, request.POST.get(field, request.GET.get(field)))


class StoreLoginView(SafeNextMixin, auth_views.LoginView):
    template_name = "storefront/account/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        return _merge_anonymous_cart(self.request, response)

    def get_default_redirect_url(self):
        return str(reverse_lazy("account:home"))


class StoreLogoutView(SafeNextMixin, auth_views.LogoutView):
    next_page = "/"


class StorePasswordResetView(auth_views.PasswordResetView):
    """The reset email links to the store's public base, like every other email."""

    template_name = "storefront/account/password_reset.html"
    email_template_name = "storefront/account/password_reset_email.txt"
    success_url = reverse_lazy("account:password-reset-done")

    def form_valid(self, form):
        self.extra_email_context = {"store_base": canonical_base(self.request)}
        return super().form_valid(form)


CUSTOMER_SIGNUPS = throttling.Limit("customer-signup", settings.CUSTOMER_SIGNUPS_PER_IP, 3600)


@require_http_methods(["GET", "POST"])
def signup(request):
    """The same answer for every address: the email tells a new shopper from an existing one
    (``apps.accounts.customer_signup``), the page never does."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttling.count_hit(CUSTOMER_SIGNUPS, throttling.client_ip(request)):
            # Every sign-up sends an email: without a brake the form is a way to spam inboxes.
            form.add_error(None, "Too many sign-ups from your network. Please try again later.")
            return throttling.refused_page(
                request, "storefront/account/signup.html", {"form": form}, CUSTOMER_SIGNUPS
            )
        try:
            customer_signup.start_customer_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                store_base=canonical_base(request),
                store_name=request.tenant.name,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            context = {"email": form.cleaned_data["email"], "days": customer_signup.LINK_DAYS}
            return render(request, "storefront/account/signup_sent.html", context)
    return render(request, "storefront/account/signup.html", {"form": form})


@require_http_methods(["GET"])
def signup_confirm(request, token: str):
    try:
        user = customer_signup.confirm_customer_signup(token=token)
    except ValidationError as exc:
        return render(
            request, "storefront/account/signup_invalid.html", {"error": exc.messages[0]},
            status=400,
        )  # fmt: skip
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Welcome! Your account is ready.")
    return _merge_anonymous_cart(request, redirect("account:home"))


@login_required(login_url=ACCOUNT_LOGIN_URL)
def account_home(request):
    orders = order_selectors.list_orders_for_user(user_id=request.user.id)
    return render(request, "storefront/account/home.html", {"orders": orders})


@login_required(login_url=ACCOUNT_LOGIN_URL)
def wishlist(request):
    items = cart_selectors.list_wishlist(user_id=request.user.id)
    return render(request, "storefront/account/wishlist.html", {"items": items})


def _variant_id(request) -> int | None:
    value = request.POST.get("variant_id", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@post_only("account:wishlist")
@login_required(login_url=ACCOUNT_LOGIN_URL)
def wishlist_add(request):
    choice = variant_choice.choice_from_post(request.POST)
    if choice.not_offered:
        messages.error(request, "That combination is not offered. Choose another.")
        return redirect(choice.product_url())
    variant_id = choice.variant_id
    try:
        if variant_id is None:
            raise DomainError("Choose an item.")
        cart_services.add_to_wishlist(user_id=request.user.id, variant_id=variant_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Saved to your wishlist.")
    return redirect("account:wishlist")


@post_only("account:wishlist")
@login_required(login_url=ACCOUNT_LOGIN_URL)
def wishlist_remove(request):
    variant_id = _variant_id(request)
    if variant_id is not None:
        cart_services.remove_from_wishlist(user_id=request.user.id, variant_id=variant_id)
    return redirect("account:wishlist")


@post_only("account:wishlist")
@login_required(login_url=ACCOUNT_LOGIN_URL)
def wishlist_move_to_cart(request):
    variant_id = _variant_id(request)
    cart = current_or_new_cart(request)
    try:
        if variant_id is None:
            raise DomainError("Choose an item.")
        cart_services.move_wishlist_item_to_cart(
            user_id=request.user.id, variant_id=variant_id, cart=cart
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("account:wishlist")
    messages.success(request, "Moved to your cart.")
    return remember_cart(redirect("cart:detail"), cart)
