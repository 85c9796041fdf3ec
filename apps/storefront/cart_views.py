from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.cart import selectors as cart_selectors
from apps.cart import services as cart_services
from apps.checkout import selectors as checkout_selectors
from apps.core.exceptions import DomainError
from apps.core.redirects import safe_next
from apps.markets import selectors as market_selectors
from apps.markets.exceptions import UnknownCurrency
from apps.storefront import markets, variant_choice
from apps.storefront.carts import CART_COOKIE, current_cart, current_or_new_cart, remember_cart
from apps.storefront.checkout_forms import CartAddForm, CartUpdateForm, GiftCardRecipientForm
from apps.storefront.http import post_only


def cart_detail(request):
    if request.user.is_authenticated:
        view = cart_selectors.get_cart_view(current_cart(request))
    else:  # a guest's cart is the cookie's: cart and lines in one query
        view = cart_selectors.get_guest_cart_view(token=request.COOKIES.get(CART_COOKIE))
    if view.cart is not None and view.currency != markets.current_market(request).currency:
        # The shopper chose another currency since the cart was priced: re-price it.
        markets.sync_cart(request, view.cart)
        view = cart_selectors.get_cart_view(view.cart)
    totals = checkout_selectors.price_cart(view)  # promotions, as the checkout prices them
    context = {
        "cart_view": view,
        "cart_rows": list(zip(view.lines, totals.lines, strict=True)),
        "totals": totals,
        "cart_header": {"count": view.item_count},  # from the view
    }
    return render(request, "storefront/cart.html", context)


def _back(request, default: str = "cart:detail"):
    target = safe_next(request, request.POST.get("next"))
    if target:
        return redirect(target)
    return redirect(default)


@post_only("cart:detail")
def cart_add(request):
    choice = variant_choice.choice_from_post(request.POST)
    if choice.product is not None and (choice.not_offered or choice.price_unseen):
        return _back_to_product(request, choice)
    form = CartAddForm({"variant_id": choice.variant_id, "quantity": request.POST.get("quantity")})
    if not form.is_valid():
        messages.error(request, "Choose an item and a quantity between 1 and 999.")
        return _back(request)
    recipient = GiftCardRecipientForm(request.POST)
    if choice.product is not None and choice.product.is_gift_card and not recipient.is_valid():
        for errors in recipient.errors.values():
            messages.error(request, errors[0])
        return redirect(choice.product_url())
    gift_card = recipient.cleaned_data if recipient.is_bound and recipient.is_valid() else None
    cart = None  # a guest's cart is found or created with the line: known when it succeeded
    try:
        if request.user.is_authenticated:
            cart = current_or_new_cart(request)
            markets.sync_cart(request, cart)
            line = cart_services.add_to_cart(
                cart=cart,
                variant_id=form.cleaned_data["variant_id"],
                quantity=form.cleaned_data["quantity"],
                gift_card=gift_card,
            )
        else:
            line = cart_services.add_to_guest_cart(
                token=request.COOKIES.get(CART_COOKIE),
                currency=markets.cart_currency(request),
                variant_id=form.cleaned_data["variant_id"],
                quantity=form.cleaned_data["quantity"],
                gift_card=gift_card,
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        back = redirect(choice.product_url()) if choice.product else _back(request)
        return remember_cart(back, cart)
    except DomainError as exc:
        messages.error(request, exc.message)
        back = redirect(choice.product_url()) if choice.product else _back(request)
        return remember_cart(back, cart)
    messages.success(request, f"Added {line.variant} to your cart.")
    return remember_cart(redirect("cart:detail"), line.cart)


def _back_to_product(request, choice: variant_choice.PostedChoice):
    """The options chose what the page did not show (no script updated it): show it first."""
    row, product = choice.row, choice.product
    if choice.not_offered or row is None or product is None:
        messages.error(request, "That combination is not offered. Choose another.")
    else:
        name = row.variant.name or product.name
        messages.info(
            request,
            f"{name} costs {row.variant.price} {request.store.currency}: "
            "check it, then add it again.",
        )
    return redirect(choice.product_url())


@post_only("cart:detail")
def cart_update(request):
    form = CartUpdateForm(request.POST)
    cart = current_cart(request)
    if cart is None or not form.is_valid():
        messages.error(request, "Enter a quantity between 0 and 999.")
        return redirect("cart:detail")
    try:
        cart_services.update_cart_line(
            cart=cart,
            variant_id=form.cleaned_data["variant_id"],
            quantity=form.cleaned_data["quantity"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cart:detail")


@post_only("cart:detail")
def cart_remove(request):
    cart = current_cart(request)
    variant_id = request.POST.get("variant_id", "")
    if cart is not None and variant_id.isdigit():
        cart_services.remove_from_cart(cart=cart, variant_id=int(variant_id))
    return redirect("cart:detail")


@post_only("storefront:home")
def choose_market(request):
    """The header's currency selector: remember the choice, re-price the cart, go back."""
    currency = str(request.POST.get("currency", ""))[:3].upper()
    target = safe_next(request, request.POST.get("next")) or "/"
    try:
        market = market_selectors.get_market(currency)
    except UnknownCurrency as exc:
        messages.error(request, exc.message)
        return redirect(target)
    response = redirect(target)
    response.set_cookie(
        markets.MARKET_COOKIE,
        market.currency,
        max_age=markets.COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    cart = current_cart(request)
    if cart is not None:
        cart_services.set_cart_currency(cart=cart, currency=market.currency)
    return response
