"""The search backend in use: Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL."""

from functools import cache

from django.conf import settings


@cache
def _backend_for(url: str):
    if url:
        from apps.search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(url)
    from apps.search.backends.postgres import PostgresSearchBackend

    return PostgresSearchBackend()


def get_backend():
    return _backend_for(settings.ELASTICSEARCH_URL)
