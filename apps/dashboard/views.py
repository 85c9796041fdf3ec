"""The store admin's own pages: dashboard home, reports, store settings, staff.

Every view is wrapped by ``admin.site.admin_view`` in ``urls`` (signed-in active staff only,
CSRF, no caching) and checks its permission (``roles``): a staff member without it gets 403.
"""

from functools import wraps

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from apps.accounts import roles
from apps.accounts import services as account_services
from apps.dashboard import (
    charts,
    customers,
    exports,
    onboarding,
    periods,
    reports,
    selectors,
    services,
)
from apps.dashboard.forms import DateRangeForm, StaffInviteForm, StoreSettingsForm
from apps.payments import selectors as payment_selectors
from apps.payments.gateways import registry as gateway_registry
from apps.preferences import selectors as preference_selectors
from apps.tenants import confirmation
from apps.tenants import selectors as tenant_selectors

TABLE_ROWS = 200


def requires(permission: str | None = None):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if permission and not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(wrapped)

    return decorator


def _page(request, template: str, title: str, **context):
    return TemplateResponse(
        request,
        template,
        {
            **admin.site.each_context(request),
            "title": title,
            "store": _store(request),
            "can_view_reports": request.user.has_perm(roles.VIEW_REPORTS),
            "can_manage_settings": request.user.has_perm(roles.MANAGE_SETTINGS),
            "can_manage_staff": request.user.has_perm(roles.MANAGE_STAFF),
            **context,
        },
    )


def _store(request):
    return getattr(request, "store", None) or tenant_selectors.get_current_store()


def _csv_requested(request) -> bool:
    return request.GET.get("format") == "csv"


# --- dashboard home ---------------------------------------------------------------------------
@requires()
def index(request):
    store = _store(request)
    data = selectors.get_dashboard(store=store)
    revenue_chart = charts.bar_chart(
        [(p.day, p.revenue) for p in data.days],
        title="Revenue per day (net of refunds)",
        money=True,
        unit=store.currency,
    )
    orders_chart = charts.bar_chart(
        [(p.day, p.orders) for p in data.days], title="Paid orders per day", money=False
    )
    return _page(
        request,
        "admin/dashboard/index.html",
        "Dashboard",
        dashboard=data,
        revenue_chart=revenue_chart,
        orders_chart=orders_chart,
        # The onboarding steps lead to settings pages: the owner's to follow.
        checklist=onboarding.get_checklist()
        if request.user.has_perm(roles.MANAGE_SETTINGS)
        else None,
    )


@require_POST
@requires(roles.MANAGE_SETTINGS)
def launch(request):
    services.launch_store()
    messages.success(request, "Your store is live: the storefront is open to everyone.")
    return redirect("dashboard:index")


# --- reports ----------------------------------------------------------------------------------
@requires(roles.VIEW_REPORTS)
def sales_report(request):
    store = _store(request)
    form = DateRangeForm(request.GET, zone=periods.store_zone(store))
    range_ = form.date_range()
    group = request.GET.get("group", "day")
    group = group if group in reports.SALES_GROUPS else "day"
    if _csv_requested(request):
        return _sales_csv(range_, group, store.currency)
    context = {"form": form, "range": range_, "group": group, "groups": reports.SALES_GROUPS,
               "group_params": [("group", group)],
               "totals": reports.sales_totals(range_), "table_rows": TABLE_ROWS}  # fmt: skip
    if group == "day":
        rows = reports.sales_by_day(range_)
        context["chart"] = charts.bar_chart(
            [(row["day"], row["net"]) for row in rows],
            title="Net revenue per day", money=True, unit=store.currency,
        )  # fmt: skip
    elif group == "product":
        rows = list(reports.sales_by_product(range_)[: TABLE_ROWS + 1])
    elif group == "discount":
        rows = list(reports.sales_by_discount(range_)[: TABLE_ROWS + 1])
    else:
        rows = list(reports.sales_by_category(range_)[: TABLE_ROWS + 1])
    context["truncated"] = group != "day" and len(rows) > TABLE_ROWS
    context["rows"] = rows[:TABLE_ROWS] if group != "day" else rows
    return _page(request, "admin/dashboard/sales_report.html", "Sales report", **context)


def _sales_csv(range_, group: str, currency: str):
    name = f"sales-by-{group}-{range_.first}-{range_.last}.csv"
    if group == "day":
        header = ["date", "paid_orders", "gross", "discounts", "shipping", "tax", "refunds",
                  "net_revenue", "currency"]  # fmt: skip
        return exports.stream_csv(
            name, header, reports.sales_by_day(range_),
            lambda r: [r["day"], r["orders"], r["gross"], r["discounts"], r["shipping"],
                       r["tax"], r["refunds"], r["net"], currency],
        )  # fmt: skip
    if group == "discount":
        return exports.stream_csv(
            name, ["kind", "name", "orders", "off_items", "off_shipping", "total", "currency"],
            exports.iterate(reports.sales_by_discount(range_)),
            lambda r: [r["source"], r["name"], r["orders"], r["items"], r["shipping"], r["total"],
                       currency],
        )  # fmt: skip
    rows = reports.sales_by_product(range_) if group == "product" else (
        reports.sales_by_category(range_)
    )  # fmt: skip
    header = [group, "orders", "units", "units_returned", "line_sales", "currency"]
    return exports.stream_csv(
        name, header, exports.iterate(rows),
        lambda r: [r["name"], r["orders"], r["units"], r["returned"], r["sales"], currency],
    )  # fmt: skip


@requires(roles.VIEW_REPORTS)
def inventory_report(request):
    store = _store(request)
    export = request.GET.get("export")
    if export == "valuation":
        return exports.stream_csv(
            "inventory-valuation.csv",
            ["sku", "product", "variant", "on_hand", "reserved", "available", "cost_price",
             "price", "value_at_cost", "value_at_price", "currency"],
            exports.iterate(reports.inventory_by_variant()),
            lambda r: [r["variant__sku"], r["variant__product__name"], r["variant__name"],
                       r["units"], r["units_reserved"], r["units"] - r["units_reserved"],
                       r["variant__cost_price"], r["variant__price"], r["value_at_cost"],
                       r["value_at_price"], store.currency],
        )  # fmt: skip
    if export == "low-stock":
        return exports.stream_csv(
            "low-stock.csv",
            ["sku", "product", "variant", "warehouse", "on_hand", "reserved", "available",
             "threshold"],
            exports.iterate(reports.low_stock_rows()),
            lambda r: [r["variant__sku"], r["variant__product__name"], r["variant__name"],
                       r["warehouse__name"], r["on_hand"], r["reserved"], r["available_units"],
                       r["threshold"]],
        )  # fmt: skip
    variants = list(reports.inventory_by_variant()[: TABLE_ROWS + 1])
    low = list(reports.low_stock_rows()[: TABLE_ROWS + 1])
    return _page(
        request,
        "admin/dashboard/inventory_report.html",
        "Inventory report",
        totals=reports.inventory_totals(),
        variants=variants[:TABLE_ROWS],
        variants_truncated=len(variants) > TABLE_ROWS,
        low_stock=low[:TABLE_ROWS],
        low_truncated=len(low) > TABLE_ROWS,
        default_threshold=preference_selectors.get_store_settings().low_stock_threshold,
    )


@requires(roles.VIEW_REPORTS)
def customers_report(request):
    store = _store(request)
    form = DateRangeForm(request.GET, zone=periods.store_zone(store))
    range_ = form.date_range()
    if _csv_requested(request):
        return exports.stream_csv(
            f"customers-{range_.first}-{range_.last}.csv",
            ["email", "orders_in_range", "net_spent_in_range", "first_order_at", "type",
             "currency"],
            exports.iterate(reports.top_customers(range_)),
            lambda r: [r["customer"], r["orders"], r["spent"], r["first_order_at"].isoformat(),
                       "new" if r["first_order_at"] >= range_.start else "returning",
                       store.currency],
        )  # fmt: skip
    top = list(reports.top_customers(range_)[:20])
    for row in top:
        row["is_new"] = row["first_order_at"] >= range_.start
    return _page(
        request,
        "admin/dashboard/customers_report.html",
        "Customers report",
        form=form,
        range=range_,
        summary=reports.customer_summary(range_),
        top_customers=top,
    )


# --- settings ---------------------------------------------------------------------------------
@requires(roles.MANAGE_SETTINGS)
def store_settings(request):
    store = tenant_selectors.get_store_by_slug(_store(request).schema_name)  # fresh row
    preferences = preference_selectors.get_store_settings()
    form = StoreSettingsForm(
        request.POST or None,
        store=store,
        preferences=preferences,
        gateway_configs={
            name: payment_selectors.get_gateway_config(name) for name in gateway_registry.GATEWAYS
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_store_settings(
                store_id=store.id,
                profile=form.profile(),
                preferences=form.preferences(),
                gateways=form.gateway_settings(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Store settings saved.")
            return redirect("dashboard:settings")
    return _page(request, "admin/dashboard/settings.html", "Store settings", form=form,
                 fieldsets=form.fieldsets(), launched_at=preferences.launched_at,
                 owner_confirmed=tenant_selectors.owner_email_confirmed(store.id))  # fmt: skip


@require_POST
@requires(roles.MANAGE_SETTINGS)
def resend_owner_confirmation(request):
    """Email the signed-in owner a new link confirming their email (live payments need it)."""
    store = _store(request)
    if not tenant_selectors.owner_email_confirmed(store.id):
        confirmation.send_owner_confirmation(store=store, owner_email=request.user.email)
        messages.success(request, f"We sent a new confirmation link to {request.user.email}.")
    return redirect("dashboard:settings")


# --- staff ------------------------------------------------------------------------------------
@requires(roles.MANAGE_STAFF)
def staff(request):
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.invite_staff(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{user.email} can now sign in to this admin.")
            return redirect("dashboard:staff")
    members = list(
        get_user_model()
        .objects.filter(is_staff=True)
        .prefetch_related("groups")
        .order_by("-is_superuser", "email")
    )
    for member in members:
        member.role = roles.role_of(member)
    return _page(request, "admin/dashboard/staff.html", "Staff", form=form, members=members)


@require_POST
@requires(roles.MANAGE_STAFF)
def revoke_staff(request, user_id: int):
    try:
        account_services.revoke_staff(user_id=user_id, actor_id=request.user.id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Admin access removed.")
    return redirect("dashboard:staff")


# --- customers --------------------------------------------------------------------------------
@requires("orders.view_order")
def customer_list(request):
    query = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "newest")
    page = customers.list_customers(query=query, sort=sort, page=request.GET.get("page") or 1)
    return _page(request, "admin/dashboard/customers.html", "Customers", page=page, query=query,
                 sort=sort if sort in customers.SORTS else "newest",
                 sorts=list(customers.SORTS))  # fmt: skip


@requires("orders.view_order")
def customer_detail(request, customer_id: int):
    try:
        customer = customers.get_customer(customer_id)
    except get_user_model().DoesNotExist as exc:
        raise Http404("No such customer.") from exc
    orders = customers.list_customer_orders(customer.pk)
    return _page(request, "admin/dashboard/customer.html", customer.email, customer=customer,
                 orders=orders, addresses=customers.customer_addresses(orders))  # fmt: skip
