"""Storefront review pages (namespace ``reviews``): the product's review block, writing, voting
and deleting.

The product page includes ``reviews/includes/_product_reviews.html`` with the context that
``reviews_context(request, product)`` returns; ``/reviews/product/<slug>/`` shows the same block
on a page of its own.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.catalog.models import Product
from apps.core.exceptions import DomainError
from apps.core.redirects import safe_next
from apps.reviews import selectors, services
from apps.reviews.models import Review
from apps.storefront.http import post_only
from apps.storefront.review_forms import ReviewForm


def reviews_context(request, product, *, form: ReviewForm | None = None) -> dict:
    """Context for ``reviews/includes/_product_reviews.html`` (merge into the page's context)."""
    summary = selectors.get_product_review_summary(
        product.id, request.GET.get("sort", selectors.DEFAULT_SORT), request.GET.get("page"),
        user=request.user, published_count=getattr(product, "rating_count", None),
    )  # fmt: skip
    if form is None and summary.can_write:
        own = summary.own_review
        initial = {"rating": own.rating, "title": own.title, "body": own.body} if own else None
        form = ReviewForm(initial=initial)
    return {"review_product": product, "review_summary": summary, "review_form": form}


def _product(slug: str) -> Product:
    try:
        return Product.objects.only("id", "name", "slug").get(
            slug=slug, status=Product.Status.ACTIVE
        )
    except Product.DoesNotExist as exc:
        raise Http404("No such product") from exc


def _back(request, product) -> str:
    target = safe_next(request, request.POST.get("next"))
    if target:
        return target.split("#")[0] + "#reviews"
    return reverse("reviews:product", kwargs={"slug": product.slug}) + "#reviews"


@require_GET
def product_reviews(request, slug: str):
    product = _product(slug)
    return render(request, "reviews/product_reviews.html", reviews_context(request, product))


@post_only("storefront:product-detail")
def write_review(request, slug: str):
    product = _product(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(_back(request, product), reverse("account:login"))
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        own = Review.objects.filter(product=product, author=request.user).only("id").first()
        try:
            if own is None:
                review = services.submit_review(
                    product_id=product.id, author_id=request.user.id, **data
                )
            else:
                review = services.edit_review(review_id=own.id, author_id=request.user.id, **data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_back(request, product))
        else:
            if review.status == Review.Status.PENDING:
                messages.success(request, "Thank you! Your review will appear once approved.")
            else:
                messages.success(request, "Thank you! Your review is published.")
            return redirect(_back(request, product))
    context = reviews_context(request, product, form=form)
    return render(request, "reviews/product_reviews.html", context, status=400)


@post_only(lambda request, review_id: _review_page(review_id))
def vote(request, review_id: int):
    review = _review(review_id)
    if not request.user.is_authenticated:
        return redirect_to_login(_back(request, review.product), reverse("account:login"))
    try:
        services.vote_review(
            review_id=review.id, user_id=request.user.id, helpful=request.POST.get("helpful") == "1"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Thanks for your feedback.")
    return redirect(_back(request, review.product))


@post_only(lambda request, review_id: _review_page(review_id))
def delete(request, review_id: int):
    review = _review(review_id)
    if not request.user.is_authenticated:
        return redirect_to_login(_back(request, review.product), reverse("account:login"))
    try:
        services.delete_review(review_id=review.id, actor_id=request.user.id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your review was deleted.")
    return redirect(_back(request, review.product))


def _review_page(review_id: int) -> str:
    """Where a GET of a review's POST-only URL leads: its product's reviews."""
    return reverse("reviews:product", kwargs={"slug": _review(review_id).product.slug})


def _review(review_id: int) -> Review:
    try:
        return Review.objects.select_related("product").get(pk=review_id)
    except Review.DoesNotExist as exc:
        raise Http404("No such review") from exc
