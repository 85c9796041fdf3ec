"""Gift cards for integrators (an API key with the gift_cards scope, or a staff session):
issue (the code is in the creation answer only), list, read the balance and ledger, disable."""

from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.exceptions import Unprocessable
from apps.api.idempotency import idempotent
from apps.api.pagination import IdCursorPagination
from apps.payments import selectors as payment_selectors
from apps.payments import services as payment_services
from apps.payments.models import MONEY, GiftCard
from apps.tenants import selectors as tenant_selectors


class GiftCardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    last4 = serializers.CharField()
    currency = serializers.CharField()
    initial_balance = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)
    is_active = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True)
    recipient_email = serializers.EmailField(allow_blank=True)
    customer_email = serializers.EmailField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    disabled_at = serializers.DateTimeField(allow_null=True)


class GiftCardIssuedOutput(GiftCardOutput):
    code = serializers.CharField(help_text="Shown in this answer only: the store keeps no copy.")


class GiftCardTransactionOutput(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    balance_after = serializers.DecimalField(**MONEY)
    order_number = serializers.IntegerField(source="order.number", allow_null=True, default=None)
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class GiftCardDetailOutput(GiftCardOutput):
    transactions = GiftCardTransactionOutput(many=True)


class GiftCardInput(serializers.Serializer):
    amount = serializers.DecimalField(min_value=Decimal("0.01"), **MONEY)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="In the future (422 otherwise)."
    )
    recipient_email = serializers.EmailField(required=False, allow_blank=True)
    customer_email = serializers.EmailField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


def get_gift_card_or_404(card_id: int) -> GiftCard:
    if card_id > 2**63 - 1:  # beyond bigint: no such row (and no database error)
        raise Http404("No such gift card.")
    try:
        return GiftCard.objects.get(pk=card_id)
    except GiftCard.DoesNotExist as exc:
        raise Http404("No such gift card.") from exc


class GiftCardListCreateApi(ListAPIView):
    scope = "gift_cards"
    serializer_class = GiftCardOutput
    pagination_class = IdCursorPagination
    filter_backends = []
    queryset = GiftCard.objects.all()

    @extend_schema(request=GiftCardInput, responses={201: GiftCardIssuedOutput})
    @idempotent
    def post(self, request):
        data = GiftCardInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.get("expires_at") and values["expires_at"] <= timezone.now():
            # Well formed, but already past: a 422 (the schema cannot say "in the future").
            raise Unprocessable("expires_at must be in the future.", extra={"field": "expires_at"})
        currency = values.pop("currency", "") or tenant_selectors.get_current_store().currency
        issued = payment_services.issue_gift_card(
            currency=currency.upper(),
            actor_id=request.user.id if request.user.is_authenticated else None,
            **values,
        )
        body = {**GiftCardOutput(issued.card).data, "code": issued.code}
        return Response(body, status=status.HTTP_201_CREATED)


class GiftCardDetailApi(APIView):
    scope = "gift_cards"

    @extend_schema(responses=GiftCardDetailOutput)
    def get(self, request, card_id: int):
        card = get_gift_card_or_404(card_id)
        transactions = payment_selectors.list_gift_card_transactions(card_id=card.id)
        return Response(
            {
                **GiftCardOutput(card).data,
                "transactions": GiftCardTransactionOutput(transactions, many=True).data,
            }
        )


class GiftCardDisableApi(APIView):
    scope = "gift_cards"

    @extend_schema(request=None, responses=GiftCardOutput)
    @idempotent
    def post(self, request, card_id: int):
        card = get_gift_card_or_404(card_id)
        actor_id = request.user.id if request.user.is_authenticated else None
        card = payment_services.disable_gift_card(card_id=card.id, actor_id=actor_id)
        return Response(GiftCardOutput(card).data)
