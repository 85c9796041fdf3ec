"""Row locks of the checkout app, in one place."""

from apps.checkout.models import SavedAddress


def lock_address_book(user_id: int) -> list[SavedAddress]:
    """A customer's saved addresses, locked in id order: two tabs changing defaults at once
    queue instead of tripping the one-default constraints."""
    return list(
        SavedAddress.objects.filter(user_id=user_id).order_by("pk").select_for_update(of=("self",))
    )
