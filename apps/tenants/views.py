from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.tenants import public_urls, selectors, services
from apps.tenants.forms import StoreSignupForm


def landing(request):
    stores = [
        {"store": store, "url": public_urls.store_url(store)}
        for store in selectors.list_active_stores()
    ]
    return render(request, "tenants/landing.html", {"stores": stores})


@require_http_methods(["GET", "POST"])
def signup(request):
    form = StoreSignupForm(request.POST or None)
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
