from django.contrib import admin, messages

from apps.webhooks import services
from apps.webhooks.models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "topic_list", "active", "created_at")
    list_filter = ("active",)
    readonly_fields = ("secret", "created_at")

    @admin.display(description="Topics")
    def topic_list(self, subscription):
        return ", ".join(subscription.topics)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "topic", "subscription", "status", "attempts",
                    "last_status_code", "delivered_at")  # fmt: skip
    list_filter = ("status", "topic")
    list_select_related = ("subscription",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resend selected deliveries")
    def resend(self, request, queryset):
        for delivery in queryset:
            services.resend(delivery_id=delivery.id)
        self.message_user(request, f"{queryset.count()} deliveries queued.", messages.SUCCESS)
