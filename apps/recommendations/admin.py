"""Merchant dashboard: widget switches, pins and exclusions, click-through, email records."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from apps.core import tenancy
from apps.recommendations import selectors, services
from apps.recommendations.models import (
    AbandonedCartReminder,
    BackInStockSubscription,
    EmailUnsubscribe,
    RecommendationSettings,
    RecomputeRun,
    WidgetRule,
    WidgetStat,
)


@admin.register(RecommendationSettings)
class RecommendationSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "updated_at")
    fieldsets = (
        (
            "Widgets",
            {
                "fields": (
                    "show_bought_together",
                    "show_viewed_together",
                    "show_for_you",
                    "show_trending",
                    "show_recently_viewed",
                    "items_per_widget",
                )
            },
        ),
        ("Emails", {"fields": ("back_in_stock_enabled", "abandoned_cart_emails_enabled")}),
        ("Performance (last 30 days)", {"fields": ("click_through", "last_recompute")}),
    )
    readonly_fields = ("click_through", "last_recompute")
    actions = ["recompute_now"]

    def has_add_permission(self, request):
        return not RecommendationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        tenancy.on_commit(services.forget_cached_configuration)

    @admin.display(description="Click-through per widget")
    def click_through(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (row.label, row.impressions, row.clicks, f"{row.rate:.1%}")
                for row in selectors.list_click_through(days=30)
            ),
        )
        return format_html(
            "<table><thead><tr><th>Widget</th><th>Impressions</th><th>Clicks</th>"
            "<th>Click-through</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Last recompute")
    def last_recompute(self, obj):
        run = RecomputeRun.objects.order_by("-id").first()
        if run is None:
            return "Not computed yet (runs hourly)."
        return (
            f"{run.finished_at:%Y-%m-%d %H:%M} UTC in {run.duration_ms} ms: "
            f"{run.orders_used} orders, {run.sessions_used} sessions, "
            f"{run.neighbours_stored} neighbours"
        )

    @admin.action(description="Recompute recommendations now")
    def recompute_now(self, request, queryset):
        from apps.recommendations.tasks import recompute_recommendations_task

        tenancy.on_commit(lambda: recompute_recommendations_task.delay(force=True))
        self.message_user(request, "Recompute queued; it takes a few seconds.", messages.SUCCESS)


class ForgetConfigurationMixin:
    """Pins and exclusions are cached with the switches: drop the cache on every change."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        tenancy.on_commit(services.forget_cached_configuration)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        tenancy.on_commit(services.forget_cached_configuration)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        tenancy.on_commit(services.forget_cached_configuration)


@admin.register(WidgetRule)
class WidgetRuleAdmin(ForgetConfigurationMixin, admin.ModelAdmin):
    list_display = ("widget", "action", "product", "anchor", "position")
    list_filter = ("widget", "action")
    list_editable = ("position",)
    raw_id_fields = ("product", "anchor")
    search_fields = ("product__name", "anchor__name")


@admin.register(WidgetStat)
class WidgetStatAdmin(admin.ModelAdmin):
    list_display = ("day", "widget", "impressions", "clicks", "click_through")
    list_filter = ("widget",)
    date_hierarchy = "day"

    @admin.display(description="Click-through")
    def click_through(self, obj):
        return f"{obj.click_through_rate:.1%}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BackInStockSubscription)
class BackInStockSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "variant", "created_at", "notified_at", "emailed_at")
    list_filter = (("notified_at", admin.EmptyFieldListFilter),)
    search_fields = ("email", "variant__sku")
    list_select_related = ("variant__product",)
    readonly_fields = ("variant", "email", "user", "created_at", "notified_at", "emailed_at")

    def has_add_permission(self, request):
        return False


@admin.register(AbandonedCartReminder)
class AbandonedCartReminderAdmin(admin.ModelAdmin):
    list_display = ("email", "cart", "created_at", "sent_at", "restored_at")
    search_fields = ("email",)
    readonly_fields = ("cart", "email", "created_at", "sent_at", "restored_at")

    def has_add_permission(self, request):
        return False


@admin.register(EmailUnsubscribe)
class EmailUnsubscribeAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at")
    search_fields = ("email",)

    def save_model(self, request, obj, form, change):
        obj.email = obj.email.strip().lower()  # addresses are compared lowercased
        super().save_model(request, obj, form, change)


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "finished_at",
        "duration_ms",
        "orders_used",
        "sessions_used",
        "neighbours_stored",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
