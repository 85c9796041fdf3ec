"""CSV exports that stream: rows are written as the database hands them over, so a large
export never sits whole in memory (``StreamingHttpResponse`` over a queryset ``iterator``)."""

import csv
from collections.abc import Callable, Iterable, Sequence

from django.http import StreamingHttpResponse

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose ``write`` returns the text instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula is quoted with '."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def stream_csv(
    filename: str,
    header: Sequence[str],
    rows: Iterable,
    to_row: Callable[[object], Sequence] = lambda row: row,
) -> StreamingHttpResponse:
    """Stream ``rows`` (dicts, tuples or objects, turned into cells by ``to_row``) as CSV."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in to_row(row)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def iterate(queryset) -> Iterable:
    """Rows of a queryset fetched ``CHUNK_SIZE`` at a time (server-side cursor)."""
    return queryset.iterator(chunk_size=CHUNK_SIZE)
