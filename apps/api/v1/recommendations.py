"""Recommendation endpoints: a product's neighbours, and "for me" for a signed-in customer."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.permissions import is_integrator
from apps.catalog.models import Product
from apps.recommendations import selectors as recommendation_selectors
from apps.recommendations.models import Widget

KINDS = [Widget.BOUGHT_TOGETHER.value, Widget.VIEWED_TOGETHER.value]


class RecommendedProductOutput(serializers.Serializer):
    id = serializers.IntegerField(source="product.id")
    name = serializers.CharField(source="product.name")
    slug = serializers.CharField(source="product.slug")
    brand = serializers.CharField(source="product.brand")
    price_from = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="product.min_price"
    )
    in_stock = serializers.BooleanField()
    url = serializers.CharField(source="product.get_absolute_url")


class KindInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, default=Widget.BOUGHT_TOGETHER.value)


ProductRecommendationsOutput = inline_serializer(
    "ProductRecommendations",
    {
        "product_id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=KINDS),
        "results": RecommendedProductOutput(many=True),
    },
)
ForMeOutput = inline_serializer(
    "ForMeRecommendations",
    {
        "widget": serializers.ChoiceField(choices=[Widget.FOR_YOU.value, Widget.TRENDING.value]),
        "results": RecommendedProductOutput(many=True),
    },
)


class ProductRecommendationsApi(APIView):
    """Active, in-stock products bought or viewed together with this one (best first)."""

    scope = "products"
    public_methods = ("GET",)

    @extend_schema(
        parameters=[OpenApiParameter("kind", enum=KINDS, default=Widget.BOUGHT_TOGETHER.value)],
        responses=ProductRecommendationsOutput,
    )
    def get(self, request, product_id):
        if request.query_params.get("kind", KINDS[0]) not in KINDS:  # "kind=" too, not the default
            raise serializers.ValidationError({"kind": f"One of {', '.join(KINDS)}."})
        data = KindInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        products = Product.objects.all()
        if not is_integrator(request):
            products = products.filter(status=Product.Status.ACTIVE)
        product = products.filter(pk=product_id).first()
        if product is None:
            raise Http404
        items = recommendation_selectors.list_product_recommendations(product=product, kind=kind)
        return Response(
            {
                "product_id": product.id,
                "kind": kind,
                "results": RecommendedProductOutput(items, many=True).data,
            }
        )


class ForMeRecommendationsApi(APIView):
    """The signed-in customer's "for you" products; trending when they have no history yet."""

    scope = "products"
    customer_methods = ("GET",)

    @extend_schema(responses=ForMeOutput)
    def get(self, request):
        if not request.user.is_authenticated:
            raise exceptions.PermissionDenied(
                "Recommendations for me need a signed-in customer (session authentication)."
            )
        main = recommendation_selectors.get_home_recommendations(user_id=request.user.id).for_you
        return Response(
            {
                "widget": main.widget if main else Widget.TRENDING.value,
                "results": RecommendedProductOutput(main.items if main else [], many=True).data,
            }
        )
