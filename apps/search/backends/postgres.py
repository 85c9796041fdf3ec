"""PostgreSQL full-text search over ``search_productdocument`` (the default backend).

The statements, and why each is SQL, are in ``apps/search/sql.py``; this class is the backend
interface (``apps.search.backends``) over them.
"""

from __future__ import annotations

from collections.abc import Iterable

from apps.search import sql
from apps.search.query import SearchQuery, SearchResult

_INDEX_TABLES = ["search_productdocument", "search_searchterm"]


class PostgresSearchBackend:
    name = "postgres"
    # Documents are rows of the store's own schema: written in the caller's transaction.
    indexes_in_transaction = True

    # --- indexing ------------------------------------------------------------------------------
    def index_products(self, product_ids: Iterable[int]) -> None:
        """Write (or delete) the documents of these products from the catalog tables now."""
        ids = sorted(set(product_ids))
        sql.write_documents(ids)
        if len(ids) >= sql.BULK_THRESHOLD:
            sql.analyze_tables(_INDEX_TABLES)
            sql.flush_gin_pending_lists()

    def remove_products(self, product_ids: Iterable[int]) -> None:
        sql.delete_documents(sorted(set(product_ids)))

    def refresh_stock(self, product_ids: Iterable[int] | None = None) -> int:
        """Recompute the in-stock flag (all documents when product_ids is None)."""
        return sql.refresh_stock_flags(None if product_ids is None else sorted(set(product_ids)))

    def reindex_all(self) -> int:
        """Rebuild every document and the vocabulary of the current store."""
        sql.clear_index()
        ids = sql.list_active_product_ids()
        self.index_products(ids)
        sql.analyze_tables(_INDEX_TABLES)
        sql.flush_gin_pending_lists()
        return len(ids)

    # --- searching -----------------------------------------------------------------------------
    def search(self, query: SearchQuery, *, with_facets: bool = True) -> SearchResult:
        return sql.search(query, with_facets=with_facets)
