from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core import throttling
from apps.tenants import confirmation, public_urls, selectors, services
from apps.tenants.forms import StoreSignupForm


def landing(request):
    stores = [
        {"store": store, "url": public_urls.store_url(store)}
        for store in selectors.list_active_stores()
    ]
    return render(request, "tenants/landing.html", {"stores": stores})


SIGNUPS = throttling.Limit(
    "store-signup", settings.STORE_SIGNUPS_PER_IP, settings.STORE_SIGNUP_WINDOW_SECONDS
)


@require_http_methods(["GET", "POST"])
def signup(request):
    """Open a store. The answer is the same whether or not the email already owns a store
    (each store has its own accounts; nothing about other stores' owners is revealed), and
    the owner is emailed a link to confirm the address before the store takes real payments."""
    form = StoreSignupForm(request.POST or None)
    if request.method == "POST" and not throttling.count_hit(
        SIGNUPS, throttling.client_ip(request)
    ):
        # Each store is a schema plus periodic work: a brake on bulk signups from one address.
        form.is_valid()
        form.add_error(None, "Too many stores opened from your network. Please try again later.")
        return throttling.refused_page(request, "tenants/signup.html", {"form": form}, SIGNUPS)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            store = services.create_store(
                name=data["name"],
                slug=data["slug"],
                owner_email=data["owner_email"],
                owner_password=data["owner_password"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            confirmation.send_owner_confirmation(store=store, owner_email=data["owner_email"])
            messages.success(request, f"{store.name} is open.")
            return redirect("platform:signup-done", slug=store.slug)
    return render(request, "tenants/signup.html", {"form": form})


def signup_done(request, slug: str):
    try:
        store = selectors.get_store_by_slug(slug)
    except selectors.Store.DoesNotExist:
        return render(request, "404.html", status=404)
    return render(
        request,
        "tenants/signup_done.html",
        {
            "new_store": store,
            "storefront_url": public_urls.store_url(store),
            "admin_url": public_urls.store_url(store, "/admin/"),
        },
    )


def confirm_owner_email(request, token: str):
    """The link emailed at signup: confirms the owner's email (live payments allowed)."""
    try:
        store = confirmation.confirm_owner_email(token=token)
    except ValidationError as exc:
        return render(request, "tenants/confirm_owner_email.html", {"error": exc.messages[0]},
                      status=400)  # fmt: skip
    return render(
        request,
        "tenants/confirm_owner_email.html",
        {"confirmed_store": store, "admin_url": public_urls.store_url(store, "/admin/")},
    )
