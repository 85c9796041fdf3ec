"""Review moderation in the store admin: publish / reject through the services."""

from django.contrib import admin, messages

from apps.core.exceptions import DomainError
from apps.reviews import services
from apps.reviews.models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("title", "product", "author", "rating", "status", "verified_purchase",
                    "helpful_count", "unhelpful_count", "created_at")  # fmt: skip
    list_filter = ("status", "rating", "verified_purchase", "created_at")
    list_select_related = ("product", "author")
    search_fields = ("title", "body", "product__name", "author__email")
    date_hierarchy = "created_at"
    readonly_fields = ("product", "author", "rating", "title", "body", "verified_purchase",
                       "status", "helpful_count", "unhelpful_count", "created_at",
                       "updated_at")  # fmt: skip
    actions = ["publish", "reject"]

    def has_add_permission(self, request):
        return False  # customers write reviews; the admin moderates them

    def _moderate(self, request, queryset, action, done: str):
        changed = 0
        for review_id in queryset.values_list("id", flat=True):
            try:
                action(review_id=review_id, actor_id=request.user.id)
            except DomainError as exc:
                self.message_user(request, f"Review {review_id}: {exc.message}", messages.WARNING)
            else:
                changed += 1
        self.message_user(request, f"{changed} review{'s' if changed != 1 else ''} {done}.")

    @admin.action(description="Publish selected reviews", permissions=["change"])
    def publish(self, request, queryset):
        self._moderate(request, queryset, services.publish_review, "published")

    @admin.action(description="Reject selected reviews", permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, services.reject_review, "rejected")

    def delete_model(self, request, obj):
        services.delete_review(review_id=obj.id, actor_id=request.user.id, is_staff=True)

    def delete_queryset(self, request, queryset):
        for review_id in queryset.values_list("id", flat=True):
            services.delete_review(review_id=review_id, actor_id=request.user.id, is_staff=True)
