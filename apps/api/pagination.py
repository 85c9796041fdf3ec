from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Stable cursor pagination (no offset scans, no duplicates while rows are added)."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "limit"
    max_page_size = 100
