"""Product reviews: anyone reads published reviews; signed-in customers write their own."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from apps.api.idempotency import idempotent
from apps.api.models import ApiKey
from apps.api.pagination import StrictPageNumberPagination
from apps.catalog.models import Product
from apps.reviews import selectors as review_selectors
from apps.reviews import services as review_services
from apps.reviews.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    rating = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    author = serializers.SerializerMethodField()
    verified_purchase = serializers.BooleanField()
    status = serializers.CharField()
    helpful_count = serializers.IntegerField()
    unhelpful_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_author(self, review) -> str:
        first = review.author.first_name if review.author_id else ""
        last = review.author.last_name[:1] if review.author_id else ""
        return f"{first} {last}.".strip(" .") or "A customer"


class ReviewInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, required=False, allow_blank=True)


class ProductReviewListCreateApi(ListAPIView):
    scope = "reviews"
    public_methods = ("GET",)
    customer_methods = ("POST",)
    serializer_class = ReviewOutput
    pagination_class = StrictPageNumberPagination
    filter_backends = []

    def _product_id(self) -> int:
        product_id = self.kwargs["product_id"]
        if not Product.objects.filter(pk=product_id, status=Product.Status.ACTIVE).exists():
            raise Http404
        return product_id

    def get_queryset(self):
        sort = self.request.query_params.get("sort", review_selectors.DEFAULT_SORT)
        if sort not in review_selectors.SORTS:
            raise serializers.ValidationError({"sort": "Use recent or helpful."})
        return review_selectors.list_published_reviews(product_id=self._product_id(), sort=sort)

    @extend_schema(
        parameters=[OpenApiParameter("sort", enum=list(review_selectors.SORTS), required=False)]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ReviewInput, responses={201: ReviewOutput})
    @idempotent
    def post(self, request, product_id):
        if isinstance(request.auth, ApiKey) or not request.user.is_authenticated:
            raise exceptions.PermissionDenied(
                "Reviews are written by signed-in customers (session), not with API keys."
            )
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_services.submit_review(
            product_id=self._product_id(), author_id=request.user.id, **data.validated_data
        )
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)
