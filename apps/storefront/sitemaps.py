"""sitemap.xml per store: URLs are built on the requesting store's host (no Sites framework)."""

from django.contrib.sitemaps import Sitemap

from apps.catalog import selectors as catalog_selectors


class ProductSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 10_000

    def items(self):
        return catalog_selectors.list_sitemap_products()

    def lastmod(self, product):
        return product.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return catalog_selectors.list_categories()


SITEMAPS = {"products": ProductSitemap, "categories": CategorySitemap}
