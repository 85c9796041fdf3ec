import pytest
from django.core.cache import cache

from apps.core import store_cache

KEY = "test:store-cache-entry"


@pytest.fixture(autouse=True)
def no_entry_yet():
    cache.delete_many([KEY, KEY + ":big"])


def _read_in_a_request(loads: list[int]) -> int:
    with store_cache.memo_for_request():
        return store_cache.get_or_load(KEY, lambda: loads.append(1) or len(loads))


@pytest.mark.django_db
def test_an_entry_is_read_from_the_process_until_the_store_invalidates_it():
    loads: list[int] = []
    first = _read_in_a_request(loads)
    cache.delete(KEY)  # gone from Redis: only the process's copy can answer now

    again = _read_in_a_request(loads)
    store_cache.invalidate(KEY)
    after_change = _read_in_a_request(loads)

    assert (first, again) == (1, 1)
    assert after_change == 2
    assert len(loads) == 2


@pytest.mark.django_db
def test_each_request_gets_its_own_copy_of_a_process_entry():
    with store_cache.memo_for_request():
        store_cache.get_or_load(KEY, lambda: {"colour": "blue"})

    with store_cache.memo_for_request():
        mine = store_cache.get_or_load(KEY, dict)
        mine["colour"] = "red"
    with store_cache.memo_for_request():
        theirs = store_cache.get_or_load(KEY, dict)

    assert theirs == {"colour": "blue"}


@pytest.mark.django_db
def test_outside_a_request_every_read_asks_redis():
    loads: list[int] = []
    store_cache.get_or_load(KEY, lambda: loads.append(1) or 1)
    cache.delete(KEY)

    store_cache.get_or_load(KEY, lambda: loads.append(1) or 2)

    assert len(loads) == 2


@pytest.mark.django_db
def test_a_process_forgets_its_copies_past_its_memory_bound(monkeypatch):
    monkeypatch.setattr(store_cache, "LOCAL_MAX_BYTES", 1_000)
    loads: list[int] = []
    with store_cache.memo_for_request():
        store_cache.get_or_load(KEY, lambda: loads.append(1) or "x" * 600)
        store_cache.get_or_load(KEY + ":big", lambda: "y" * 600)  # over the bound: starts over
    cache.delete(KEY)

    with store_cache.memo_for_request():
        store_cache.get_or_load(KEY, lambda: loads.append(1) or "x" * 600)

    assert len(loads) == 2
    assert store_cache._local_bytes <= store_cache.LOCAL_MAX_BYTES
