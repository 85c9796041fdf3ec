"""Catalog and inventory endpoints."""

from collections.abc import Iterator
from contextlib import contextmanager

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.exceptions import Conflict, Unprocessable
from apps.api.filters import BooleanFilter, IdFilter, IsoDateTimeFilter
from apps.api.idempotency import idempotent
from apps.api.permissions import is_integrator
from apps.api.v1.fields import CURRENCY_PATTERN, requested_market
from apps.api.v1.product_serializers import (
    INVENTORY_CHANGE_SCHEMA,
    CategoryOutput,
    InventoryChangeInput,
    ProductCreateInput,
    ProductOutput,
    ProductUpdateInput,
    StockLevelOutput,
    VariantOutput,
    VariantPolicyInput,
)
from apps.catalog import collections as collection_selectors
from apps.catalog import services as catalog_services
from apps.catalog.models import (
    PREORDER_WITHOUT_DATE,
    Category,
    Collection,
    OptionValue,
    Product,
    Variant,
)
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.inventory.models import StockLevel, Warehouse
from apps.webhooks import services as webhook_services


def products_visible_to(request):
    """Integrators see every status; storefront clients only active products."""
    queryset = Product.objects.all()
    if not is_integrator(request):
        queryset = queryset.filter(status=Product.Status.ACTIVE)
    values = OptionValue.objects.select_related("option")
    variants = Variant.objects.prefetch_related(Prefetch("option_values", queryset=values))
    return queryset.prefetch_related(Prefetch("variants", queryset=variants))


def product_context(products, request=None) -> dict:
    """What product output reads: availability, and the market of ``?currency=`` (prices in
    it; a currency the store does not sell in is a 422 ``unknown_currency``)."""
    ids = [v.id for p in products for v in p.variants.all()]
    market = requested_market(request.query_params.get("currency")) if request else None
    return {"available": inventory_selectors.get_available_by_variant(ids), "market": market}


CURRENCY_PARAMETER = OpenApiParameter(
    "currency",
    str,
    pattern=CURRENCY_PATTERN,
    description="Prices in this currency (ISO 4217, one of the store's markets); "
    "default: the store's currency.",
)


def get_product_or_404(request, product_id) -> Product:
    try:
        return products_visible_to(request).get(pk=product_id)
    except Product.DoesNotExist as exc:
        raise Http404 from exc


class ProductFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Product.Status.choices)
    category = IdFilter(field_name="category_id")
    featured = BooleanFilter()
    brand = django_filters.CharFilter(lookup_expr="iexact")
    sku = django_filters.CharFilter(field_name="variants__sku", distinct=True)
    tag = django_filters.CharFilter(method="filter_tag")
    collection = django_filters.NumberFilter(method="filter_collection")
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Product
        fields = ["status", "featured"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value.strip().lower()])

    def filter_collection(self, queryset, name, value):
        """The collection's products, as its page lists them (an unknown or hidden one: none)."""
        try:
            collection = collection_selectors.get_collection(collection_id=int(value))
        except (Collection.DoesNotExist, OverflowError, ValueError):
            return queryset.none()
        if not collection.published and not is_integrator(self.request):
            return queryset.none()
        return queryset.filter(pk__in=collection_selectors.product_ids_in_collection(collection))


@contextmanager
def policy_rules_unprocessable() -> Iterator[None]:
    """A variant's policy rule between fields (``Variant.clean``: a pre-order needs its date)
    is no schema's to state: a body that breaks it is well-formed, so 422, not 400. A
    uniqueness clash in the same check rides along; any other field error stays a 400."""
    try:
        yield
    except DjangoValidationError as exc:
        errors = getattr(exc, "error_dict", {})
        codes = {error.code for field_errors in errors.values() for error in field_errors}
        if PREORDER_WITHOUT_DATE in codes and codes <= {PREORDER_WITHOUT_DATE, "unique"}:
            raise Unprocessable(
                " ".join(exc.messages),
                code=PREORDER_WITHOUT_DATE,
                extra={"fields": exc.message_dict},
            ) from exc
        raise


def _emit_product_updated(product: Product) -> None:
    webhook_services.emit_event(
        topic="product.updated",
        payload={"id": product.id, "slug": product.slug, "status": product.status},
    )


@extend_schema_view(get=extend_schema(parameters=[CURRENCY_PARAMETER]))
class ProductListCreateApi(ListAPIView):
    scope = "products"
    public_methods = ("GET",)
    # category_id or a warehouse_id naming nothing: 404; no active location to stock: 409;
    # a pre-order without its date: 422.
    error_statuses = {"POST": (404, 409, 422)}
    serializer_class = ProductOutput
    filterset_class = ProductFilter

    def get_queryset(self):
        return products_visible_to(self.request).order_by("-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = ProductOutput(page, many=True, context=product_context(page, request)).data
        return self.get_paginated_response(body)

    @extend_schema(request=ProductCreateInput, responses={201: ProductOutput})
    @idempotent
    def post(self, request):
        data = ProductCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        variants = values.pop("variants")
        _check_category(values.get("category_id"))
        with transaction.atomic(), policy_rules_unprocessable():
            product = catalog_services.create_product(fields=values, variants=variants)
            for variant, spec in zip(product.variants.order_by("position"), variants, strict=True):
                for stock in spec.get("stock", []):
                    inventory_services.receive_stock(
                        variant_id=variant.id,
                        warehouse_id=_warehouse_id(stock.get("warehouse_id")),
                        quantity=stock["quantity"],
                        note="Created through the API",
                    )
            _emit_product_updated(product)
        product = get_product_or_404(request, product.id)
        body = ProductOutput(product, context=product_context([product])).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    scope = "products"
    public_methods = ("GET",)

    @extend_schema(responses=ProductOutput, parameters=[CURRENCY_PARAMETER])
    def get(self, request, product_id):
        product = get_product_or_404(request, product_id)
        return Response(ProductOutput(product, context=product_context([product], request)).data)

    @extend_schema(request=ProductUpdateInput, responses=ProductOutput)
    @idempotent
    def patch(self, request, product_id):
        get_product_or_404(request, product_id)
        data = ProductUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        _check_category(data.validated_data.get("category_id"))
        with transaction.atomic():
            product = catalog_services.update_product(
                product_id=product_id, fields=data.validated_data
            )
            _emit_product_updated(product)
        return self.get(request, product_id)

    @extend_schema(request=None, responses={204: None})
    @idempotent
    def delete(self, request, product_id):
        get_product_or_404(request, product_id)
        with transaction.atomic():
            _emit_product_updated(catalog_services.archive_product(product_id=product_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _check_category(category_id) -> None:
    if category_id and not Category.objects.filter(pk=category_id).exists():
        raise NotFound("No such category.")


def _warehouse_id(requested: int | None) -> int:
    """The active location asked for, or the store's default one (first active by priority)."""
    if requested is None:
        warehouse = inventory_selectors.get_default_warehouse()
        if warehouse is None:
            raise Conflict("This store has no active location; add one first.")
        return warehouse.id
    warehouse_id = (
        Warehouse.objects.filter(active=True, pk=requested).values_list("id", flat=True).first()
    )
    if warehouse_id is None:
        raise NotFound("No such active warehouse.")
    return warehouse_id


class VariantPolicyApi(APIView):
    """A variant's out-of-stock policy (deny / backorder / preorder), read and changed."""

    scope = "products"
    error_statuses = {"PATCH": (422,)}  # a pre-order without its date

    def _variant(self, request, variant_id) -> Variant:
        variant = (
            Variant.objects.select_related("product")
            .prefetch_related("option_values__option")
            .filter(pk=variant_id)
            .first()
        )
        if variant is None:
            raise Http404("No such variant")
        get_product_or_404(request, variant.product_id)
        return variant

    @extend_schema(responses=VariantOutput)
    def get(self, request, variant_id):
        variant = self._variant(request, variant_id)
        available = inventory_selectors.get_available_by_variant([variant.id])
        return Response(VariantOutput(variant, context={"available": available}).data)

    @extend_schema(request=VariantPolicyInput, responses=VariantOutput)
    @idempotent
    def patch(self, request, variant_id):
        self._variant(request, variant_id)
        data = VariantPolicyInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        with policy_rules_unprocessable():
            catalog_services.set_inventory_policy(variant_id=variant_id, fields=data.validated_data)
        return self.get(request, variant_id)


class CategoryListApi(ListAPIView):
    scope = "products"
    public_methods = ("GET",)
    serializer_class = CategoryOutput
    queryset = Category.objects.order_by("-id")


class ProductInventoryApi(APIView):
    scope = "inventory"
    error_statuses = {"POST": (409,)}  # no active location
    request_body_required = True

    @extend_schema(
        request={"application/json": INVENTORY_CHANGE_SCHEMA},
        responses=StockLevelOutput(many=True),
    )
    @idempotent
    def post(self, request, product_id):
        product = get_product_or_404(request, product_id)
        data = InventoryChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not product.variants.filter(pk=values["variant_id"]).exists():
            raise NotFound("Not a variant of this product.")
        warehouse_id = _warehouse_id(values.get("warehouse_id"))
        if values["reason"] == "restock":
            inventory_services.receive_stock(
                variant_id=values["variant_id"],
                warehouse_id=warehouse_id,
                quantity=values["quantity"],
                note=values.get("note", ""),
            )
        else:
            inventory_services.adjust_stock(
                variant_id=values["variant_id"],
                warehouse_id=warehouse_id,
                delta=values["quantity"],
                reason=values["reason"],
                note=values.get("note", ""),
            )
        levels = _levels(variant_ids=[values["variant_id"]])
        return Response(StockLevelOutput(levels, many=True).data)


def _levels(*, variant_ids=None, sku=None):
    # ``available`` is the inventory's one definition of free units (expired holds count as
    # free, inactive warehouses sell nothing), the figure the storefront sells against.
    levels = inventory_selectors.with_free_units(
        StockLevel.objects.select_related("variant", "warehouse").order_by(
            "variant_id", "warehouse__priority"
        )
    )
    if variant_ids is not None:
        levels = levels.filter(variant_id__in=variant_ids)
    if sku is not None:
        levels = levels.filter(variant__sku=sku)
    return list(levels)


class InventoryQuery(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="The variant's SKU (exact).")


class InventoryListApi(APIView):
    scope = "inventory"

    @extend_schema(
        parameters=[InventoryQuery],
        responses=inline_serializer("InventoryLevels", {"results": StockLevelOutput(many=True)}),
    )
    def get(self, request):
        query = InventoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        levels = _levels(sku=query.validated_data["sku"])
        return Response({"results": StockLevelOutput(levels, many=True).data})
