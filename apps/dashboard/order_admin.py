"""Merchant admin for orders and returns. Every action goes through the orders / payments
services. It lives in the dashboard (a face) because it composes both: the orders app never
imports the payments app."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.exceptions import DomainError
from apps.dashboard import order_page
from apps.dashboard.order_admin_forms import CancelForm, FulfillForm, RefundForm
from apps.orders import services
from apps.orders.models import Fulfillment, Order, OrderEvent, OrderLine, Return, ReturnLine
from apps.payments import services as payment_services
from apps.payments.admin import PaymentInline, RefundInline


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "product_name", "variant_name", "quantity", "unit_price", "tax_amount",
              "line_total", "quantity_fulfilled", "quantity_returned")  # fmt: skip
    readonly_fields = fields


class FulfillmentInline(ReadOnlyInline):
    model = Fulfillment
    fields = ("carrier", "tracking_number", "shipped_at", "delivered_at")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "type", "message", "data", "actor")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "created_at", "email", "status", "payment_status", "total",
                    "currency")  # fmt: skip
    list_filter = ("status", "payment_status", "created_at")
    search_fields = ("=number", "email", "lines__sku")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # one COUNT per page, not two
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderLineInline, FulfillmentInline, PaymentInline, RefundInline, OrderEventInline]
    change_form_template = "admin/orders/order/change_form.html"
    actions = ["mark_delivered"]

    def has_add_permission(self, request):
        return False  # orders come from checkout (or the API)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:order_id>/fulfil/", view(self.fulfil_view), name="orders_order_fulfil"),
            path("<int:order_id>/refund/", view(self.refund_view), name="orders_order_refund"),
            path("<int:order_id>/cancel/", view(self.cancel_view), name="orders_order_cancel"),
            path("<int:order_id>/deliver/", view(self.deliver_view), name="orders_order_deliver"),
            path(
                "<int:order_id>/packing-slip/",
                view(self.packing_slip_view),
                name="orders_order_packing_slip",
            ),  # fmt: skip
            *super().get_urls(),
        ]

    def _change_url(self, order):
        return reverse("admin:orders_order_change", args=[order.id])

    def _form_page(self, request, order, form, title, action):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "order": order,
            "form": form,
            "title": title,
            "action": action,
        }
        return TemplateResponse(request, "admin/orders/order/action_form.html", context)

    def _order_action(self, request, order_id, *, form_class, title, button, run, done,
                      **form_kwargs):  # fmt: skip
        """One form page per order action: check permission, validate, call the service."""
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        form = form_class(request.POST or None, **form_kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                run(order, form, request.user.id)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Order #{order.number}: {done}.")
                return redirect(self._change_url(order))
        return self._form_page(request, order, form, f"{title} order #{order.number}", button)

    def fulfil_view(self, request, order_id):
        def fulfil(order, form, actor_id):
            services.fulfill_order(
                order_id=order.id, lines=form.lines(), carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"], actor_id=actor_id,
            )  # fmt: skip

        order = get_object_or_404(Order, pk=order_id)
        return self._order_action(
            request, order_id, form_class=FulfillForm, order=order, title="Fulfil",
            button="Ship", run=fulfil, done="shipment recorded",
        )  # fmt: skip

    def refund_view(self, request, order_id):
        def refund(order, form, actor_id):
            payment_services.refund_lines(
                order, actor_id, lines=form.lines(), amount=form.cleaned_data["amount"],
                restock=form.cleaned_data.get("restock", False),
                reason=form.cleaned_data["reason"],
            )  # fmt: skip

        order = get_object_or_404(Order, pk=order_id)
        return self._order_action(
            request, order_id, form_class=RefundForm, order=order, title="Refund",
            button="Refund", run=refund, done="refund made",
        )  # fmt: skip

    # --- the order page and its packing slip --------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The order as a merchant reads it (nothing on it is edited in place: every change is
        an action with its own form)."""
        order = self.get_object(request, object_id)
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, order):
            raise PermissionDenied
        page = order_page.get_order_page(order.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": order,
            "page": page,
            "title": f"Order #{order.number}",
            "can_change": self.has_change_permission(request, order),
            "customer_url": reverse("dashboard:customer", args=[order.user_id])
            if order.user_id and not order.user.is_staff
            else "",
        }
        return TemplateResponse(request, "admin/orders/order/detail.html", context)

    def packing_slip_view(self, request, order_id):
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_view_or_change_permission(request, order):
            raise PermissionDenied
        context = {
            "page": order_page.get_order_page(order.pk),
            "store": getattr(request, "store", None),
        }
        return TemplateResponse(request, "admin/orders/order/packing_slip.html", context)

    def cancel_view(self, request, order_id):
        return self._order_action(
            request, order_id, form_class=CancelForm, title="Cancel", button="Cancel",
            run=lambda order, form, actor_id: payment_services.cancel_and_refund(
                order, actor_id, **form.cleaned_data
            ),
            done="cancelled",
        )  # fmt: skip

    def deliver_view(self, request, order_id):
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        if request.method == "POST":
            try:
                services.mark_order_delivered(order_id=order.id, actor_id=request.user.id)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Order #{order.number} marked delivered.")
        return redirect(self._change_url(order))

    @admin.action(description="Mark selected orders delivered")
    def mark_delivered(self, request, queryset):
        for order in queryset:
            try:
                services.mark_order_delivered(order_id=order.id, actor_id=request.user.id)
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.WARNING)


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("order_line", "quantity")
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "status", "refund_amount", "created_at")
    list_filter = ("status",)
    list_select_related = ("order",)
    readonly_fields = ("order", "status", "reason", "refund_amount", "created_at", "updated_at")
    inlines = [ReturnLineInline]
    actions = ["approve", "reject", "receive_and_refund"]

    def has_add_permission(self, request):
        return False

    def _run(self, request, queryset, action, done: str):
        for return_request in queryset:
            try:
                action(return_request, request.user.id)
            except DomainError as exc:
                self.message_user(request, f"Return {return_request.id}: {exc.message}",
                                  level=messages.WARNING)  # fmt: skip
            else:
                self.message_user(request, f"Return {return_request.id} {done}.")

    @admin.action(description="Approve selected returns")
    def approve(self, request, queryset):
        self._run(request, queryset,
                  lambda r, actor: services.approve_return(return_id=r.id, actor_id=actor),
                  "approved")  # fmt: skip

    @admin.action(description="Reject selected returns")
    def reject(self, request, queryset):
        self._run(request, queryset,
                  lambda r, actor: services.reject_return(return_id=r.id, actor_id=actor),
                  "rejected")  # fmt: skip

    @admin.action(description="Mark received: restock and refund")
    def receive_and_refund(self, request, queryset):
        self._run(request, queryset, payment_services.receive_return_and_refund,
                  "received, restocked and refunded")  # fmt: skip
