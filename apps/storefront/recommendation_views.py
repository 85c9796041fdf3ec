"""Small storefront endpoints of the recommendations (namespace ``recommendations``): back-in-stock
sign-up, the abandoned-cart and unsubscribe links of its emails, and widget clicks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from apps.cart import services as cart_services
from apps.catalog.models import Product
from apps.core.exceptions import DomainError
from apps.core.redirects import safe_next
from apps.recommendations import services, tokens
from apps.recommendations.exceptions import InvalidLink
from apps.recommendations.models import Widget
from apps.storefront.carts import remember_cart
from apps.storefront.http import post_only
from apps.storefront.recommendation_forms import BackInStockForm


def _safe_next(request, target: str, default: str = "/") -> str:
    return safe_next(request, target) or default


@post_only("storefront:home")
def back_in_stock_subscribe(request):
    form = BackInStockForm(request.POST)
    target = _safe_next(request, request.POST.get("next", ""))
    if not form.is_valid():
        messages.error(request, "Enter a valid email address to be told when it is back.")
        return redirect(target)
    user_id = request.user.id if request.user.is_authenticated else None
    try:
        subscription = services.subscribe_back_in_stock(
            variant_id=form.cleaned_data["variant_id"],
            email=form.cleaned_data["email"],
            user_id=user_id,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValidationError:
        messages.error(request, "Enter a valid email address to be told when it is back.")
    else:
        messages.success(
            request, f"We will email {subscription.email} once when it is back in stock."
        )
    return redirect(target)


@require_GET
def restore_cart(request, token: str):
    """The abandoned-cart email's link: put that cart back in this browser."""
    try:
        cart = services.restore_cart(token=token)
    except InvalidLink as exc:
        return render(
            request, "recommendations/link_invalid.html", {"message": exc.message}, status=404
        )
    if request.user.is_authenticated and cart.user_id != request.user.id:
        if cart.user_id is None:  # an anonymous cart joins the signed-in customer's
            cart = (
                cart_services.merge_cart_into_user_cart(
                    anonymous_cart=cart, user_id=request.user.id
                )
                or cart
            )
    messages.success(request, "Welcome back — your cart is as you left it.")
    return remember_cart(redirect("cart:detail"), cart)


@csrf_exempt  # the signed token is the authority; mail clients' one-click POST has no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        email = tokens.read_unsubscribe_token(token)
    except InvalidLink as exc:
        return render(
            request, "recommendations/link_invalid.html", {"message": exc.message}, status=404
        )
    if request.method == "POST":
        services.unsubscribe_email(email=email)
        return render(request, "recommendations/unsubscribed.html", {"email": email})
    # A GET only asks: link scanners in mail systems follow links without meaning it.
    return render(request, "recommendations/unsubscribe.html", {"email": email})


@require_GET
def click(request, widget: str, product_id: int):
    """Count a click on a recommendation, then go to the product."""
    if widget not in Widget.values:
        raise Http404("No such widget")
    slug = (
        Product.objects.filter(pk=product_id, status=Product.Status.ACTIVE)
        .values_list("slug", flat=True)
        .first()
    )
    if slug is None:
        raise Http404("No such product")
    services.record_click(widget=widget)
    return redirect(Product(slug=slug).get_absolute_url())
