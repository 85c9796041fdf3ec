"""The database backend with Django's connection pool (``DB_POOL_SIZE``): a psycopg session
moves between connection wrappers, and its search_path must follow the session, not the
wrapper."""

import copy

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

from apps.core.postgresql_backend.base import DatabaseWrapper

# Signal handlers look the alias up in django.db.connections: use the default one. Its own
# wrapper has no pool, so it never touches the pool these wrappers share (dropped after).
ALIAS = "default"


@pytest.fixture
def pooled_wrappers(db):
    """Make wrappers sharing one pool of ONE session (every checkout gets the same one)."""
    settings = copy.deepcopy(connection.settings_dict)
    settings["CONN_MAX_AGE"] = 0
    settings["OPTIONS"] = {**settings["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
    made = []

    def make():
        wrapper = DatabaseWrapper(settings, alias=ALIAS)
        made.append(wrapper)
        return wrapper

    yield make
    for wrapper in made:
        wrapper.close()
    assert connection.pool is None
    pool = PostgresWrapper._connection_pools.pop(ALIAS, None)
    if pool is not None:
        pool.close()


def search_path_of(wrapper) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0].replace('"', "")


def sets_sent(wrapper, action) -> int:
    sent = []

    def count(execute, sql, params, many, context):
        if sql.startswith("SET search_path"):
            sent.append(sql)
        return execute(sql, params, many, context)

    with wrapper.execute_wrapper(count):
        action()
    return len(sent)


def test_a_pooled_session_serves_each_wrapper_in_its_own_store(pooled_wrappers, store, other_store):
    here, there = pooled_wrappers(), pooled_wrappers()
    here.set_tenant(store)
    there.set_tenant(other_store)

    seen = []
    for wrapper in (here, there, here):
        seen.append(search_path_of(wrapper))
        wrapper.close()  # back to the pool: the next wrapper gets the same session

    assert seen == [
        f"{store.schema_name}, public",
        f"{other_store.schema_name}, public",
        f"{store.schema_name}, public",
    ]


def test_a_pooled_session_already_in_the_store_is_not_sent_the_path_again(
    pooled_wrappers, store, other_store
):
    first, second, third = pooled_wrappers(), pooled_wrappers(), pooled_wrappers()
    first.set_tenant(store)
    second.set_tenant(store)
    third.set_tenant(other_store)

    sent = []
    for wrapper in (first, second, third):
        sent.append(sets_sent(wrapper, lambda w=wrapper: search_path_of(w)))
        wrapper.close()

    assert sent == [1, 0, 1]


def test_a_session_given_back_inside_a_transaction_forgets_its_path(
    pooled_wrappers, store, other_store
):
    first, second = pooled_wrappers(), pooled_wrappers()
    first.set_tenant(store)
    second.set_tenant(store)
    first.set_autocommit(False)
    search_path_of(first)  # the SET is part of the open transaction
    first.close()  # the pool rolls the transaction back, SET included

    assert sets_sent(second, lambda: search_path_of(second)) == 1
    assert search_path_of(second) == f"{store.schema_name}, public"
