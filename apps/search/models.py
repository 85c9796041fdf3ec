"""The PostgreSQL search index: one denormalized row per sellable product, plus a vocabulary.

Rows exist only for products a shopper may see (status active with at least one active
variant), so draft and archived products can never appear in search or category listings.
They are written by ``apps.search.sql`` from the catalog tables in one SQL
statement per batch, never by signals.
"""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class ProductDocument(models.Model):
    # The table's physical column order is migration 0003's, not this class's: the columns a
    # search reads for every match come before the variable-width ones. A new field is added
    # at the end of the table; if searches read it per match, rewrite the table as 0003 does.
    product = models.OneToOneField(
        "catalog.Product",
        primary_key=True,
        related_name="search_document",
        on_delete=models.CASCADE,
    )
    # setweight(name, A) || setweight(category path, brand, SKUs, B) || option values C ||
    # description D — see postgres.DOCUMENT_SQL.
    document = SearchVectorField()
    name = models.CharField(max_length=200)
    # The product's category and all its ancestors: a category page lists its whole subtree.
    category_ids = ArrayField(models.BigIntegerField(), default=list)
    # The product's own category (the last of category_ids; null without one). Products with
    # the same category share category_ids: the category facet groups matches by this number
    # instead of hashing every match's array.
    category_key = models.BigIntegerField(null=True)
    # "Option:Value" pairs of the active variants, e.g. "Size:M", for filters and facets.
    option_values = ArrayField(models.CharField(max_length=130), default=list)
    # A 64-bit hash of option_values (hashtextextended of its text form), so the option facet
    # groups matches by one number, not by their arrays. A collision would merge two option
    # combinations' counts: with the few hundred combinations a store has, about 1 in 10^13.
    option_key = models.BigIntegerField(default=0, db_default=0)
    # Upper-cased SKUs of the active variants, for the exact SKU match.
    skus = ArrayField(models.CharField(max_length=64), default=list)
    min_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    max_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    featured = models.BooleanField(default=False)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(default=0)
    # Any active variant with on_hand − reserved > 0 in an active warehouse. Refreshed by
    # mark_stock_changed() (inventory calls it) and by every reindex of the product.
    in_stock = models.BooleanField(default=False)
    product_created_at = models.DateTimeField()
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            GinIndex(fields=["document"], name="search_doc_document_gin"),
            GinIndex(fields=["category_ids"], name="search_doc_categories_gin"),
            GinIndex(fields=["option_values"], name="search_doc_options_gin"),
            GinIndex(fields=["skus"], name="search_doc_skus_gin"),
            models.Index(fields=["-product_created_at", "-product"], name="search_doc_newest"),
            models.Index(fields=["min_price", "product"], name="search_doc_price"),
            models.Index(fields=["-rating_avg", "-rating_count"], name="search_doc_rating"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchTerm(models.Model):
    """A word of the catalog's vocabulary, for typo correction with pg_trgm.

    ``term`` is the word lower-cased with everything but letters and digits removed ("tshirt");
    ``surface`` is how it is written in the catalog ("t-shirt"), which is what a corrected query
    searches for.
    """

    term = models.CharField(max_length=60, unique=True)
    surface = models.CharField(max_length=60)

    class Meta:
        indexes = [
            GistIndex(
                OpClass("term", name="gist_trgm_ops"),
                name="search_term_trgm_gist",
            ),
        ]

    def __str__(self) -> str:
        return self.term
