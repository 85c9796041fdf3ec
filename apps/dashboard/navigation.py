"""The store admin's navigation, organised by a merchant's work rather than by code app.

``SECTIONS`` is the one place that says what the sidebar shows: a section, its pages, and for
each page the technical tables that belong to it (shown as tabs on that page, never at the top
level). A page is a model's change list (``model="app_label.ModelName"``, shown when the model
is registered in the store admin and the user may view it) or a named URL (``url=``, with an
optional ``permission``). A new admin page is one ``Page`` line here.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from apps.accounts import roles


@dataclass(frozen=True)
class Page:
    label: str
    model: str = ""  # "app_label.ModelName": its change list
    url: str = ""  # a URL name, reversed without arguments
    query: str = ""  # appended to the address ("status__exact=open")
    fragment: str = ""  # "#payments": a part of a page
    permission: str = ""  # for url pages; model pages use the model admin's view permission
    related: tuple["Page", ...] = ()  # technical tables reached from this page


@dataclass(frozen=True)
class Section:
    label: str
    icon: str  # a name in templates/admin/includes/_nav_icon.html
    pages: tuple[Page, ...] = ()
    url: str = ""  # a section without pages is one link (Home)


SECTIONS: tuple[Section, ...] = (
    Section("Home", "home", url="dashboard:index"),
    Section("Orders", "orders", pages=(
        Page("Orders", model="orders.Order", related=(
            Page("Payments", model="payments.Payment"),
            Page("Payment provider events", model="payments.WebhookEvent"),
        )),
        Page("Returns", model="orders.Return"),
        Page("Back-orders", model="inventory.Backorder", query="state__exact=waiting", related=(
            Page("All back-orders and pre-orders", model="inventory.Backorder"),
        )),
        Page("Abandoned checkouts", model="cart.Cart", query="status__exact=open", related=(
            Page("All carts", model="cart.Cart"),
            Page("Reminders sent", model="recommendations.AbandonedCartReminder"),
        )),
    )),
    Section("Products", "products", pages=(
        Page("Products", model="catalog.Product", related=(
            Page("Option values", model="catalog.OptionValue"),
        )),
        Page("Categories", model="catalog.Category"),
        Page("Collections", model="catalog.Collection"),
        Page("Inventory", model="inventory.VariantStock", related=(
            Page("Stock by location", model="inventory.StockLevel"),
            Page("Stock movements", model="inventory.StockMovement"),
            Page("Reservations", model="inventory.Reservation"),
            Page("Low-stock alerts", model="inventory.LowStockAlert"),
        )),
        Page("Import / export", url="admin:catalog_product_import",
             permission="catalog.add_product"),
        Page("Reviews", model="reviews.Review"),
        Page("Gift cards", model="payments.GiftCard"),
    )),
    Section("Customers", "customers", pages=(
        Page("Customers", url="dashboard:customers", permission="orders.view_order", related=(
            Page("Accounts", model="accounts.User"),
        )),
    )),
    Section("Discounts", "discounts", pages=(
        Page("Discount codes", model="checkout.Voucher"),
        Page("Promotions", model="checkout.Promotion"),
    )),
    Section("Analytics", "analytics", pages=(
        Page("Sales", url="dashboard:sales-report", permission=roles.VIEW_REPORTS),
        Page("Inventory value", url="dashboard:inventory-report", permission=roles.VIEW_REPORTS),
        Page("Customers", url="dashboard:customers-report", permission=roles.VIEW_REPORTS),
    )),
    Section("Marketing", "marketing", pages=(
        Page("Recommendations", model="recommendations.RecommendationSettings", related=(
            Page("Widget rules", model="recommendations.WidgetRule"),
            Page("Widget statistics", model="recommendations.WidgetStat"),
            Page("Recompute runs", model="recommendations.RecomputeRun"),
        )),
        Page("Emails", model="recommendations.BackInStockSubscription", related=(
            Page("Abandoned-cart reminders", model="recommendations.AbandonedCartReminder"),
            Page("Unsubscribed", model="recommendations.EmailUnsubscribe"),
        )),
    )),
    Section("Online store", "store", pages=(
        Page("Theme", model="content.StoreTheme"),
        Page("Pages", model="content.Page", related=(
            Page("Contact messages", model="content.ContactMessage"),
        )),
    )),
    Section("Settings", "settings", pages=(
        Page("Store", url="dashboard:settings", permission=roles.MANAGE_SETTINGS),
        Page("Payments", url="dashboard:settings", fragment="#payments",
             permission=roles.MANAGE_SETTINGS),
        Page("Shipping", model="checkout.ShippingZone", related=(
            Page("Locations", model="inventory.Warehouse"),
        )),
        Page("Taxes", model="checkout.TaxRate"),
        Page("Markets and currencies", model="markets.Market"),
        Page("Notifications", url="dashboard:settings", fragment="#notifications",
             permission=roles.MANAGE_SETTINGS),
        Page("Staff", url="dashboard:staff", permission=roles.MANAGE_STAFF),
        Page("API keys", model="api.ApiKey"),
        Page("Webhooks", model="webhooks.WebhookSubscription", related=(
            Page("Deliveries", model="webhooks.WebhookDelivery"),
        )),
    )),
)  # fmt: skip


@dataclass
class Link:
    label: str
    href: str
    path: str  # the address without query/fragment, to find the current page
    current: bool = False
    tabs: list["Link"] = field(default_factory=list)


@dataclass
class NavSection:
    label: str
    icon: str
    href: str
    links: list[Link]
    current: bool = False


@dataclass
class Navigation:
    sections: list[NavSection]
    tabs: list[Link]  # the current page's own page and its technical tables


def _resolve(page: Page, request) -> Link | None:
    if page.model:
        app_label, model_name = page.model.split(".")
        model_admin = next(
            (
                ma
                for model, ma in admin.site._registry.items()
                if model._meta.app_label == app_label and model.__name__ == model_name
            ),
            None,
        )
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            return None
        path = reverse(f"admin:{app_label}_{model_name.lower()}_changelist")
    else:
        if page.permission and not request.user.has_perm(page.permission):
            return None
        try:
            path = reverse(page.url)
        except NoReverseMatch:
            return None
    href = path + (f"?{page.query}" if page.query else "") + page.fragment
    return Link(label=page.label, href=href, path=path)


def _matches(link: Link, request) -> bool:
    if link.href.split("#")[0] != link.path:  # a filtered list or a part of a page
        full = request.path + (f"?{request.META.get('QUERY_STRING')}" if request.GET else "")
        return full == link.href.split("#")[0]
    if link.path.endswith("/admin/"):
        return request.path == link.path
    return request.path.startswith(link.path)


def build_navigation(request) -> Navigation:
    """The sidebar for this user (pages they may see) with the current page marked."""
    sections: list[NavSection] = []
    tabs: list[Link] = []
    best: tuple[int, Link, NavSection, list[Link]] | None = None
    for section in SECTIONS:
        links: list[Link] = []
        for page in section.pages:
            link = _resolve(page, request)
            if link is None:
                continue
            link.tabs = [t for t in (_resolve(r, request) for r in page.related) if t]
            links.append(link)
        if section.url:
            try:
                href = reverse(section.url)
            except NoReverseMatch:
                continue
            nav = NavSection(section.label, section.icon, href, [])
            home = Link(section.label, href, href)
            if _matches(home, request):
                best = best or (len(href), home, nav, [])
        elif links:
            nav = NavSection(section.label, section.icon, links[0].href, links)
        else:
            continue
        sections.append(nav)
        for link in links:
            for candidate in [link, *link.tabs]:
                # The most specific address wins; on a tie (parts of one page) the first.
                score = len(candidate.href.split("#")[0])
                if _matches(candidate, request) and (best is None or score > best[0]):
                    best = (score, link, nav, [link, *link.tabs])
    if best is not None:
        _, link, nav, candidates = best
        link.current = True
        nav.current = True
        if len(candidates) > 1:
            tabs = [Link(c.label, c.href, c.path) for c in candidates]
            for tab in tabs[1:]:
                tab.current = _matches(tab, request)
            tabs[0].current = not any(tab.current for tab in tabs[1:])
    return Navigation(sections=sections, tabs=tabs)
