"""Reads of the store's theme and pages (the storefront reads them on every page: cached)."""

from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject

from apps.content import colors
from apps.content.models import FooterLink, Page, StoreTheme
from apps.core import store_cache

# The theme, its footer links and the published pages: one entry, dropped on any change.
THEME_CACHE_KEY = "content:storefront"
store_cache.warm_with_generation(THEME_CACHE_KEY)  # every page's theme
POLICY_KINDS = (Page.Kind.SHIPPING, Page.Kind.RETURNS, Page.Kind.PRIVACY, Page.Kind.TERMS)


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class PageLink:
    slug: str
    title: str
    kind: str
    url: str
    show_in_footer: bool


@dataclass(frozen=True)
class StorefrontTheme:
    """What the storefront's templates need of the theme: plain values, cheap to cache."""

    primary_color: str
    accent_color: str
    logo_url: str = ""
    hero_image_url: str = ""
    favicon_32_url: str = ""
    favicon_180_url: str = ""
    hero_heading: str = ""
    hero_text: str = ""
    announcement: str = ""
    announcement_link: str = ""
    footer_text: str = ""
    footer_links: tuple[Link, ...] = field(default_factory=tuple)
    pages: tuple[PageLink, ...] = field(default_factory=tuple)
    preview: bool = False

    @property
    def primary_ink(self) -> str:
        return colors.text_color_on(self.primary_color)

    @property
    def accent_ink(self) -> str:
        return colors.text_color_on(self.accent_color)

    def with_values(self, values: dict) -> "StorefrontTheme":
        """This theme with unsaved ``values`` over it (a signed preview link)."""
        allowed: dict[str, Any] = {k: str(v) for k, v in values.items() if k in PREVIEW_FIELDS}
        for key in ("primary_color", "accent_color"):
            if key in allowed and not colors.HEX_COLOR.match(allowed[key]):
                allowed.pop(key)
        return replace(self, **allowed, preview=True)


PREVIEW_FIELDS = (
    "primary_color", "accent_color", "hero_heading", "hero_text", "announcement",
    "announcement_link", "footer_text",
)  # fmt: skip


def get_theme() -> StoreTheme:
    """The store's theme row, created with defaults on first use (not cached: for writes)."""
    theme, _ = StoreTheme.objects.get_or_create(pk=StoreTheme.SINGLETON_PK)
    return theme


def get_storefront_theme() -> StorefrontTheme:
    """The theme as the storefront shows it (cached in the store's configuration cache)."""
    return store_cache.get_or_load(THEME_CACHE_KEY, _load_storefront_theme)


def _url(file) -> str:
    return file.url if file else ""


def _load_storefront_theme() -> StorefrontTheme:
    """The theme with its footer links and the published pages: one query (two subqueries
    aggregated into JSON arrays), run on a cold cache by the first page a shopper opens."""
    links = FooterLink.objects.filter(theme=OuterRef("pk")).order_by("position", "id")
    pages = Page.objects.filter(published=True).order_by("position", "id")
    row = (
        StoreTheme.objects.filter(pk=StoreTheme.SINGLETON_PK)
        .annotate(
            link_rows=ArraySubquery(links.values(json=JSONObject(label="label", url="url"))),
            page_rows=ArraySubquery(
                pages.values(
                    json=JSONObject(
                        slug="slug", title="title", kind="kind", footer="show_in_footer"
                    )
                )
            ),
        )
        .first()
    )
    if row is None:  # a store whose theme row is gone: recreate it with defaults
        get_theme()
        return _load_storefront_theme()
    return StorefrontTheme(
        primary_color=row.primary_color,
        accent_color=row.accent_color,
        logo_url=_url(row.logo),
        hero_image_url=_url(row.hero_image),
        favicon_32_url=_url(row.favicon_32),
        favicon_180_url=_url(row.favicon_180),
        hero_heading=row.hero_heading,
        hero_text=row.hero_text,
        announcement=row.announcement,
        announcement_link=row.announcement_link,
        footer_text=row.footer_text,
        footer_links=tuple(Link(label=r["label"], url=r["url"]) for r in row.link_rows),
        pages=tuple(
            PageLink(
                slug=r["slug"],
                title=r["title"],
                kind=r["kind"],
                url=f"/pages/{r['slug']}/",
                show_in_footer=r["footer"],
            )
            for r in row.page_rows
        ),
    )


def list_published_pages() -> list[PageLink]:
    """The store's published pages in footer order (cached with the theme)."""
    return list(get_storefront_theme().pages)


def list_footer_pages() -> list[PageLink]:
    return [page for page in list_published_pages() if page.show_in_footer]


def list_policy_pages() -> list[PageLink]:
    """The published policies (shipping, returns, privacy, terms), linked from the checkout."""
    return [page for page in list_published_pages() if page.kind in POLICY_KINDS]


def list_sitemap_pages() -> QuerySet[Page]:
    return Page.objects.filter(published=True).only("slug", "updated_at").order_by("position", "id")


def get_published_page(*, slug: str) -> Page:
    """A published page by slug (raises ``Page.DoesNotExist``)."""
    return Page.objects.get(slug=slug, published=True)
