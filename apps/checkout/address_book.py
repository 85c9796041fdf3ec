"""The customer address book: reads and writes of ``SavedAddress`` (owner-only).

Every function takes the customer's ``user_id`` and finds addresses only among theirs: another
customer's address id is ``SavedAddress.DoesNotExist`` (a 404 for the views). Addresses are
checked by ``addresses.clean_address``, the one definition of a valid address.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.checkout import locks
from apps.checkout.addresses import clean_address
from apps.checkout.models import SavedAddress

MAX_ADDRESSES = 50  # per customer: a book, not a log of every address ever typed


def list_addresses(*, user_id: int) -> list[SavedAddress]:
    """The customer's addresses, default shipping first."""
    return list(SavedAddress.objects.filter(user_id=user_id))


def get_address_for_user(*, user_id: int, address_id: int) -> SavedAddress:
    """One of the customer's addresses; raises ``SavedAddress.DoesNotExist`` for anyone else's."""
    return SavedAddress.objects.get(user_id=user_id, pk=address_id)


def get_default_shipping_address(*, user_id: int) -> SavedAddress | None:
    return SavedAddress.objects.filter(user_id=user_id, is_default_shipping=True).first()


@transaction.atomic
def save_address(
    *,
    user_id: int,
    address: dict,
    address_id: int | None = None,
    default_shipping: bool = False,
    default_billing: bool = False,
) -> SavedAddress:
    """Add an address (or change ``address_id``); optionally make it a default.

    A customer's first address becomes both defaults. Raises ``ValidationError`` (per field)
    or ``SavedAddress.DoesNotExist`` (not the customer's address).
    """
    fields = clean_address(address)
    existing = locks.lock_address_book(user_id)
    if address_id is not None:
        row = next((a for a in existing if a.pk == address_id), None)
        if row is None:
            raise SavedAddress.DoesNotExist("No such address")
    else:
        if len(existing) >= MAX_ADDRESSES:
            raise ValidationError(f"An address book holds at most {MAX_ADDRESSES} addresses.")
        row = SavedAddress(user_id=user_id)
        default_shipping = default_shipping or not existing
        default_billing = default_billing or not existing
    for name, value in fields.items():
        setattr(row, name, value)
    _clear_defaults(user_id, shipping=default_shipping, billing=default_billing, keep=row.pk)
    row.is_default_shipping = row.is_default_shipping or default_shipping
    row.is_default_billing = row.is_default_billing or default_billing
    row.save()
    return row


def remember_address(*, user_id: int, address: dict) -> SavedAddress:
    """Save an address typed at checkout, unless the book already has the same one."""
    fields = clean_address(address)
    same = SavedAddress.objects.filter(user_id=user_id, **fields).first()
    return same or save_address(user_id=user_id, address=fields)


@transaction.atomic
def delete_address(*, user_id: int, address_id: int) -> None:
    """Remove one of the customer's addresses; a default passes to the newest one left."""
    existing = locks.lock_address_book(user_id)
    row = next((a for a in existing if a.pk == address_id), None)
    if row is None:
        raise SavedAddress.DoesNotExist("No such address")
    rest = sorted((a for a in existing if a.pk != address_id), key=lambda a: a.pk, reverse=True)
    row.delete()
    if rest and (row.is_default_shipping or row.is_default_billing):
        heir = rest[0]
        heir.is_default_shipping = heir.is_default_shipping or row.is_default_shipping
        heir.is_default_billing = heir.is_default_billing or row.is_default_billing
        heir.save(update_fields=["is_default_shipping", "is_default_billing", "updated_at"])


def _clear_defaults(user_id: int, *, shipping: bool, billing: bool, keep: int | None) -> None:
    others = SavedAddress.objects.filter(user_id=user_id)
    if keep is not None:
        others = others.exclude(pk=keep)
    if shipping:
        others.filter(is_default_shipping=True).update(is_default_shipping=False)
    if billing:
        others.filter(is_default_billing=True).update(is_default_billing=False)
