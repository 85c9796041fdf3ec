"""Gift cards over the API: issue (code in the answer only), list, balance and ledger, disable;
the gift_cards scope guards them."""

from decimal import Decimal

import pytest

from apps.payments import gift_card_codes
from apps.payments import services as payment_services
from apps.payments.models import GiftCard


@pytest.mark.django_db
def test_issue_answers_the_code_once_and_stores_only_its_lookup_key(api):
    response = api.post(
        "/api/v1/gift-cards",
        {"amount": "25.00", "recipient_email": "friend@example.test", "note": "birthday"},
        format="json",
    )

    body = response.json()
    card = GiftCard.objects.get()
    detail = api.get(f"/api/v1/gift-cards/{card.id}").json()
    assert response.status_code == 201, body
    assert gift_card_codes.lookup_key(body["code"]) == card.code_key
    assert (body["balance"], body["currency"], body["last4"]) == ("25.00", "USD", card.last4)
    assert "code" not in detail and body["code"] not in str(api.get("/api/v1/gift-cards").json())


@pytest.mark.django_db
def test_balance_and_ledger_follow_spending(api):
    issued = payment_services.issue_gift_card(amount=Decimal("30.00"), currency="USD")
    payment_services.redeem_gift_card(
        card_id=issued.card.id, amount=Decimal("12.50"), currency="USD"
    )

    body = api.get(f"/api/v1/gift-cards/{issued.card.id}").json()

    assert body["balance"] == "17.50"
    assert [(t["kind"], t["amount"]) for t in body["transactions"]] == [
        ("redeem", "-12.50"), ("issue", "30.00"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_disable_stops_the_card(api):
    card = payment_services.issue_gift_card(amount=Decimal("5.00"), currency="USD").card

    response = api.post(f"/api/v1/gift-cards/{card.id}/disable")

    card.refresh_from_db()
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not card.is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"amount": "0"}, {"amount": "-1"}, {"amount": "x"}, {}, {"amount": "5", "currency": "US"}],
)  # fmt: skip
def test_bad_input_is_a_400_with_field_errors(api, body):
    response = api.post("/api/v1/gift-cards", body, format="json")

    assert response.status_code == 400
    assert "error" in response.json()
    assert not GiftCard.objects.exists()


@pytest.mark.django_db
def test_the_gift_cards_scope_is_needed(make_api_client, anonymous_api):
    orders_only = make_api_client(scopes=["orders:read", "orders:write"])
    reader = make_api_client(scopes=["gift_cards:read"])

    assert orders_only.get("/api/v1/gift-cards").status_code == 403
    assert anonymous_api.get("/api/v1/gift-cards").status_code in (401, 403)
    assert reader.get("/api/v1/gift-cards").status_code == 200
    assert reader.post("/api/v1/gift-cards", {"amount": "5"}, format="json").status_code == 403


@pytest.mark.django_db
def test_unknown_card_ids_are_404(api):
    assert api.get("/api/v1/gift-cards/987654").status_code == 404
    assert api.get(f"/api/v1/gift-cards/{10**30}").status_code == 404
    assert api.post(f"/api/v1/gift-cards/{10**30}/disable").status_code == 404


@pytest.mark.django_db
def test_an_expiry_already_past_is_a_422(api):
    body = {"amount": "5", "expires_at": "2001-01-01T00:00:00Z"}

    response = api.post("/api/v1/gift-cards", body, format="json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unprocessable"
