"""Collections: list and detail (public for published ones), merchant writes (products scope)."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.idempotency import idempotent
from apps.api.permissions import is_integrator
from apps.api.v1.collection_serializers import (
    CollectionCreateInput,
    CollectionDetailOutput,
    CollectionOutput,
    CollectionUpdateInput,
)
from apps.catalog import collection_services
from apps.catalog import collections as collection_selectors
from apps.catalog.models import Collection, Product

DETAIL_PRODUCTS = 100


def collections_visible_to(request):
    """Integrators see every collection; storefront clients only published ones."""
    queryset = Collection.objects.prefetch_related("rules")
    if not is_integrator(request):
        queryset = queryset.filter(published=True)
    return queryset


def get_collection_or_404(request, collection_id) -> Collection:
    try:
        return collections_visible_to(request).get(pk=collection_id)
    except Collection.DoesNotExist as exc:
        raise Http404 from exc


def _contents(values: dict) -> dict:
    return {"rules": values.pop("rules", None), "product_ids": values.pop("product_ids", None)}


class CollectionListCreateApi(ListAPIView):
    scope = "products"
    public_methods = ("GET",)
    serializer_class = CollectionOutput

    def get_queryset(self):
        return collections_visible_to(self.request).order_by("-id")

    @extend_schema(request=CollectionCreateInput, responses={201: CollectionDetailOutput})
    @idempotent
    def post(self, request):
        data = CollectionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        collection = collection_services.create_collection(fields=values, **_contents(values))
        body = _detail(get_collection_or_404(request, collection.pk))
        return Response(body, status=status.HTTP_201_CREATED)


class CollectionDetailApi(APIView):
    scope = "products"
    public_methods = ("GET",)

    @extend_schema(responses=CollectionDetailOutput)
    def get(self, request, collection_id):
        return Response(_detail(get_collection_or_404(request, collection_id)))

    @extend_schema(request=CollectionUpdateInput, responses=CollectionDetailOutput)
    @idempotent
    def patch(self, request, collection_id):
        get_collection_or_404(request, collection_id)
        data = CollectionUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        collection_services.update_collection(
            collection_id=collection_id, fields=values, **_contents(values)
        )
        return self.get(request, collection_id)

    @extend_schema(request=None, responses={204: None})
    @idempotent
    def delete(self, request, collection_id):
        get_collection_or_404(request, collection_id)
        with transaction.atomic():
            collection_services.delete_collection(collection_id=collection_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _detail(collection: Collection) -> dict:
    member_ids = collection_selectors.product_ids_in_collection(collection)
    first = list(member_ids[:DETAIL_PRODUCTS])
    products = Product.objects.in_bulk(first)
    collection.product_count = member_ids.count()  # type: ignore[attr-defined]
    collection.products_shown = [products[i] for i in first if i in products]  # type: ignore[attr-defined]
    return CollectionDetailOutput(collection).data
