"""Gift cards: codes shown once and stored as a lookup key, a signed ledger, spending that never
takes more than the balance (also under 20 concurrent spends), throttled code entry, the admin."""

import hashlib
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.payments import gift_card_codes, services, throttling
from apps.payments.exceptions import GiftCardAttemptsExceeded, GiftCardRefused, InvalidGiftCard
from apps.payments.models import GiftCard, GiftCardTransaction
from tests.concurrency import run_concurrently
from tests.conftest import STORE_SPEC
from tests.factories.payments import OrderFactory

D = Decimal


def issue(amount: str = "50.00", **fields) -> services.IssuedGiftCard:
    return services.issue_gift_card(
        amount=D(amount), currency=fields.pop("currency", "USD"), **fields
    )


def ledger_sum(card: GiftCard) -> Decimal:
    return card.transactions.aggregate(total=Sum("amount"))["total"]


@pytest.fixture
def identity() -> str:
    """A fresh throttling identity (the counters live in Redis across tests)."""
    return f"test-{uuid.uuid4().hex}"


# --- codes -------------------------------------------------------------------------------------


def test_a_code_has_80_random_bits_in_four_readable_groups():
    codes = {gift_card_codes.generate_code() for _ in range(500)}

    assert len(gift_card_codes.ALPHABET) ** gift_card_codes.LENGTH == 2**80
    assert len(codes) == 500
    assert all(re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", c) for c in codes)


def test_codes_are_read_as_typed_in_any_case_with_or_without_dashes():
    assert gift_card_codes.normalize("7k3m q9xd-00ab 1c2d") == "7K3MQ9XD00AB1C2D"
    assert gift_card_codes.normalize("7K3M-Q9XD-OOAB-ILCD") == "7K3MQ9XD00AB11CD"
    assert gift_card_codes.normalize("too-short") == ""
    assert gift_card_codes.normalize("7K3M-Q9XD-00AB-1C2U") == ""  # U is not in the alphabet


# --- issuing and disabling ---------------------------------------------------------------------


@pytest.mark.django_db
def test_issuing_stores_only_a_lookup_key_and_the_last_four_characters():
    issued = issue("50.00", recipient_email="friend@example.test")

    card = GiftCard.objects.get()
    stored = " ".join(str(value) for value in GiftCard.objects.values().get().values())
    [entry] = card.transactions.all()
    assert card.code_key == hashlib.sha256(issued.code.replace("-", "").encode()).hexdigest()
    assert card.last4 == issued.code[-4:]
    assert issued.code.replace("-", "") not in stored and issued.code not in stored
    assert (card.balance, card.initial_balance, card.currency) == (D("50.00"), D("50.00"), "USD")
    assert (entry.kind, entry.amount, entry.balance_after) == ("issue", D("50.00"), D("50.00"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [{"amount": "0"}, {"amount": "-5"}, {"currency": "US"},
     {"expires_at": timezone.now() - timedelta(days=1)}],
    ids=["zero", "negative", "bad-currency", "expired"],
)  # fmt: skip
def test_issuing_refuses_bad_input(fields):
    with pytest.raises(InvalidGiftCard):
        issue(**fields)

    assert not GiftCard.objects.exists()


@pytest.mark.django_db
def test_a_disabled_card_cannot_be_found_or_spent(identity):
    issued = issue()
    services.disable_gift_card(card_id=issued.card.id)

    with pytest.raises(GiftCardRefused) as found:
        services.find_gift_card(code=issued.code, identity=identity)
    with pytest.raises(GiftCardRefused) as spent:
        services.redeem_gift_card(card_id=issued.card.id, amount=D("1.00"), currency="USD")

    assert found.value.message == "This gift card code is not valid."
    assert spent.value.message == "This gift card is disabled."
    assert GiftCard.objects.get().balance == D("50.00")


# --- finding a card by its code ----------------------------------------------------------------


@pytest.mark.django_db
def test_find_by_code_as_a_shopper_types_it(identity):
    issued = issue()

    card = services.find_gift_card(code=issued.code.lower().replace("-", " "), identity=identity)

    assert card.pk == issued.card.pk


@pytest.mark.django_db
def test_unknown_and_expired_codes_are_refused(identity):
    expired = issue(expires_at=timezone.now() + timedelta(seconds=1))
    GiftCard.objects.filter(pk=expired.card.pk).update(expires_at=timezone.now())

    with pytest.raises(GiftCardRefused) as unknown:
        services.find_gift_card(code=gift_card_codes.generate_code(), identity=identity)
    with pytest.raises(GiftCardRefused) as late:
        services.find_gift_card(code=expired.code, identity=identity)

    assert unknown.value.http_status == 409
    assert late.value.message == "This gift card has expired."


@pytest.mark.django_db
def test_code_entry_is_throttled_per_shopper(identity):
    issued = issue()
    for _ in range(throttling.CODE_ATTEMPTS_PER_WINDOW):
        with pytest.raises(GiftCardRefused):
            services.find_gift_card(code=gift_card_codes.generate_code(), identity=identity)

    with pytest.raises(GiftCardAttemptsExceeded) as error:
        services.find_gift_card(code=issued.code, identity=identity)  # even the right code

    assert error.value.http_status == 429
    assert services.find_gift_card(code=issued.code, identity=f"{identity}-other").pk


# --- spending and refunding --------------------------------------------------------------------


@pytest.mark.django_db
def test_spending_part_of_a_card_books_a_ledger_row_for_the_order():
    card = issue("50.00").card
    order = OrderFactory(total=D("30.00"))

    entry = services.redeem_gift_card(
        card_id=card.id, amount=D("30.00"), currency="USD", order_id=order.id, reference="pay-1"
    )

    card.refresh_from_db()
    assert card.balance == D("20.00") == ledger_sum(card)
    assert (entry.kind, entry.amount, entry.balance_after, entry.order_id) == (
        "redeem", D("-30.00"), D("20.00"), order.id,
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency", "reason"),
    [("50.01", "USD", "has 50.00 USD left"), ("10.00", "EUR", "is in USD")],
)
def test_spending_more_than_the_balance_or_in_another_currency_is_refused(amount, currency, reason):
    card = issue("50.00").card

    with pytest.raises(GiftCardRefused) as error:
        services.redeem_gift_card(card_id=card.id, amount=D(amount), currency=currency)

    card.refresh_from_db()
    assert reason in error.value.message
    assert card.balance == D("50.00") and card.transactions.count() == 1


@pytest.mark.django_db
def test_a_refund_goes_back_on_the_card():
    card = issue("50.00").card
    services.redeem_gift_card(card_id=card.id, amount=D("45.00"), currency="USD")

    services.refund_to_gift_card(card_id=card.id, amount=D("15.00"), reference="refund-1")

    card.refresh_from_db()
    assert card.balance == D("20.00") == ledger_sum(card)
    assert card.transactions.first().kind == "refund"


@pytest.mark.django_db
def test_the_database_refuses_a_negative_balance():
    card = issue("5.00").card

    with pytest.raises(IntegrityError), transaction.atomic():
        GiftCard.objects.filter(pk=card.pk).update(balance=D("-0.01"))


def test_twenty_concurrent_spends_of_a_card_worth_three_take_exactly_three(committed_store):
    card = issue("3.00").card
    orders = [OrderFactory(total=D("1.00")) for _ in range(20)]

    def spend(order_id: int):
        with transaction.atomic():  # as a checkout would: the spend and its payment row together
            return services.redeem_gift_card(
                card_id=card.id, amount=D("1.00"), currency="USD", order_id=order_id
            )

    results = run_concurrently(spend, [(order.id,) for order in orders], store=committed_store)

    card.refresh_from_db()
    spent = [r for r in results if isinstance(r, GiftCardTransaction)]
    assert len(spent) == 3
    assert all(isinstance(r, GiftCardRefused) for r in results if r not in spent)
    assert card.balance == D("0.00") == ledger_sum(card)
    assert sorted(r.balance_after for r in spent) == [D("0.00"), D("1.00"), D("2.00")]


# --- the merchant admin ------------------------------------------------------------------------


@pytest.fixture
def owner_client(store_client):
    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))
    return store_client


@pytest.mark.django_db
def test_admin_issues_a_card_and_shows_its_code_once(owner_client):
    response = owner_client.post(
        "/admin/payments/giftcard/add/",
        {"amount": "25.00", "currency": "USD", "recipient_email": "friend@example.test",
         "customer_email": "", "note": "birthday", "expires_at": ""},
    )  # fmt: skip

    card = GiftCard.objects.get()
    page = response.content.decode()
    code = re.search(r'id="gift-card-code">([0-9A-Z-]{19})<', page)[1]
    card_page = owner_client.get(f"/admin/payments/giftcard/{card.pk}/change/").content.decode()
    assert response.status_code == 200
    assert gift_card_codes.lookup_key(code) == card.code_key
    assert code not in owner_client.get("/admin/payments/giftcard/").content.decode()
    assert code not in card_page and "25.00" in card_page
    assert card.created_by.email == STORE_SPEC["owner_email"]


@pytest.mark.django_db
def test_admin_disables_cards(owner_client):
    card = issue().card

    owner_client.post(
        "/admin/payments/giftcard/", {"action": "disable", "_selected_action": [card.pk]}
    )

    card.refresh_from_db()
    assert not card.is_active and card.disabled_at is not None
