"""The signed-in customer's address book: list, add, edit, delete (owner-only: another
customer's address id is a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.checkout import address_book
from apps.checkout.addresses import format_address
from apps.checkout.models import SavedAddress
from apps.storefront.account_forms import SavedAddressForm
from apps.storefront.account_views import ACCOUNT_LOGIN_URL
from apps.storefront.checkout_forms import ADDRESS_FIELDS
from apps.storefront.http import post_only


@login_required(login_url=ACCOUNT_LOGIN_URL)
def address_list(request):
    addresses = [
        (address, format_address(address.as_dict()))
        for address in address_book.list_addresses(user_id=request.user.id)
    ]
    return render(request, "storefront/account/addresses.html", {"addresses": addresses})


def _owned(request, address_id: int) -> SavedAddress:
    try:
        return address_book.get_address_for_user(user_id=request.user.id, address_id=address_id)
    except SavedAddress.DoesNotExist as exc:
        raise Http404("No such address") from exc


@login_required(login_url=ACCOUNT_LOGIN_URL)
@require_http_methods(["GET", "POST"])
def address_edit(request, address_id: int | None = None):
    address = _owned(request, address_id) if address_id is not None else None
    initial = (
        {
            **address.as_dict(),
            "is_default_shipping": address.is_default_shipping,
            "is_default_billing": address.is_default_billing,
        }
        if address
        else {"country": request.store.country}
    )
    form = SavedAddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            address_book.save_address(
                user_id=request.user.id,
                address={name: data.get(name, "") for name in ADDRESS_FIELDS},
                address_id=address_id,
                default_shipping=data["is_default_shipping"],
                default_billing=data["is_default_billing"],
            )
        except SavedAddress.DoesNotExist as exc:
            raise Http404("No such address") from exc
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Address saved.")
            return redirect("account:addresses")
    return render(
        request, "storefront/account/address_form.html", {"form": form, "address": address}
    )


@post_only(lambda request, *args, **kwargs: reverse("account:addresses"))
@login_required(login_url=ACCOUNT_LOGIN_URL)
def address_delete(request, address_id: int):
    try:
        address_book.delete_address(user_id=request.user.id, address_id=address_id)
    except SavedAddress.DoesNotExist as exc:
        raise Http404("No such address") from exc
    messages.success(request, "Address removed.")
    return redirect("account:addresses")
