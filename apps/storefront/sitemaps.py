"""sitemap.xml per store, on the store's public base (no Sites framework).

Django's sitemap views build URLs from the request's scheme and host; ours come from
``apps.tenants.public_urls`` (via ``canonical_base``) like every other absolute URL.
"""

from django.contrib.sitemaps import Sitemap

from apps.catalog import collections as collection_selectors
from apps.catalog import selectors as catalog_selectors
from apps.content import selectors as content_selectors


class StoreSitemap(Sitemap):
    """A sitemap whose URLs start with ``base`` (``scheme://host[:port]``)."""

    def __init__(self, base: str):
        self.protocol, self.domain = base.split("://", 1)

    def get_domain(self, site=None) -> str:
        return self.domain


class ProductSitemap(StoreSitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 10_000

    def items(self):
        return catalog_selectors.list_sitemap_products()

    def lastmod(self, product):
        return product.updated_at


class CategorySitemap(StoreSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return catalog_selectors.list_categories()


class CollectionSitemap(StoreSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return collection_selectors.list_sitemap_collections()

    def lastmod(self, collection):
        return collection.updated_at


class PageSitemap(StoreSitemap):
    """The store's published pages (about, contact, policies)."""

    changefreq = "monthly"
    priority = 0.3

    def items(self):
        return content_selectors.list_sitemap_pages()

    def lastmod(self, page):
        return page.updated_at


SITEMAPS = {
    "products": ProductSitemap,
    "categories": CategorySitemap,
    "collections": CollectionSitemap,
    "pages": PageSitemap,
}


def store_sitemaps(base: str) -> dict[str, StoreSitemap]:
    return {section: sitemap(base) for section, sitemap in SITEMAPS.items()}
