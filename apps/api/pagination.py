"""Pagination that refuses a page size it cannot read (a 400, as the schema's range says)
instead of quietly answering the default size. A cursor or page number that names no page is
DRF's 404 (the schema lists it: a cursor is opaque, only the server knows which exist)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination


class StrictPageSize:
    """``limit``: a whole number from 1 to ``max_page_size``, or absent (the default size)."""

    page_size: int | None
    page_size_query_param: str | None = "limit"
    max_page_size: int | None = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param or "limit")
        if raw is None:
            return self.page_size
        largest = self.max_page_size or 100
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= largest:
            raise ValidationError({"limit": f"A whole number from 1 to {largest}."})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)  # type: ignore[misc]
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == "page":
                parameter["schema"] |= {"minimum": 1}
        return parameters


class IdCursorPagination(StrictPageSize, CursorPagination):
    """Stable cursor pagination (no offset scans, no duplicates while rows are added)."""

    ordering = "-id"
    page_size = 25


class StrictPageNumberPagination(StrictPageSize, PageNumberPagination):
    page_size = 20
