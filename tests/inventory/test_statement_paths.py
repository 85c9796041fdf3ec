"""The ways ``reserve`` runs its SQL: one autocommit statement, a transaction, prepared plans.

The autocommit tests use ``committed_store`` (no test transaction, so reserve owns its own).
"""

import pytest
from django.db import connection, transaction

from apps.inventory import selectors
from apps.inventory import services as inventory_services
from apps.inventory.exceptions import InsufficientStock
from apps.inventory.models import Reservation, StockLevel, StockMovement
from tests.factories.catalog import VariantFactory
from tests.factories.inventory import WarehouseFactory, expire_reservations, stock


@pytest.fixture
def raw_statements(monkeypatch) -> list:
    """Statements sent through plain psycopg cursors (the ones ``reserve`` and
    ``commit_reservation`` use); Django's cursors subclass it and are left out."""
    import psycopg

    sent = []
    original = psycopg.Cursor.execute

    def counting_execute(cursor, query, *args, **kwargs):
        if type(cursor) is psycopg.Cursor:
            sent.append(query)
        return original(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting_execute)
    return sent


def advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_reserve_on_its_own_leaves_no_lock_behind_whatever_the_outcome(committed_store):
    warehouse = WarehouseFactory()
    variant, other, unstocked = VariantFactory(), VariantFactory(), VariantFactory()
    stock(variant, warehouse, 3)
    stock(other, warehouse, 3)

    inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])
    inventory_services.reserve(reference="checkout:a", lines=[(other.id, 1)])  # re-entry
    with pytest.raises(InsufficientStock):
        inventory_services.reserve(reference="checkout:b", lines=[(variant.id, 9)])
    with pytest.raises(InsufficientStock):
        inventory_services.reserve(reference="checkout:c", lines=[(unstocked.id, 1)])
    expire_reservations("checkout:a")
    inventory_services.reserve(reference="checkout:d", lines=[(other.id, 3)])  # reclaims

    assert advisory_locks_held() == 0
    assert not connection.in_atomic_block
    assert StockLevel.objects.get(variant=variant).reserved == 0
    assert StockLevel.objects.get(variant=other).reserved == 3
    assert Reservation.objects.filter(state="active").count() == 1


def test_a_hold_taken_on_its_own_is_committed_at_once(committed_store):
    warehouse = WarehouseFactory()
    variant = VariantFactory()
    stock(variant, warehouse, 3)

    (hold,) = inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])
    connection.close()  # a new connection sees only committed rows

    assert Reservation.objects.get(pk=hold.pk).quantity == 2
    assert StockLevel.objects.get(variant=variant).reserved == 2


@pytest.mark.django_db
def test_reserve_inside_a_callers_transaction_keeps_its_durability(stocked_variant):
    variant = stocked_variant(3)

    with transaction.atomic():
        inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 1)])
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            setting = cursor.fetchone()[0]

    assert setting == "on"


@pytest.mark.django_db
def test_prepared_statements_follow_the_connection_from_store_to_store(
    store, other_store, warehouse
):
    here = VariantFactory()
    stock(here, warehouse, 5)
    inventory_services.reserve(reference="checkout:a", lines=[(here.id, 1)])

    connection.set_tenant(other_store)
    there = VariantFactory()
    stock(there, WarehouseFactory(), 5)
    inventory_services.reserve(reference="checkout:a", lines=[(there.id, 2)])
    held_there = list(Reservation.objects.values_list("variant_id", "quantity"))
    connection.set_tenant(store)
    held_here = list(Reservation.objects.values_list("variant_id", "quantity"))

    assert held_there == [(there.id, 2)]
    assert held_here == [(here.id, 1)]


@pytest.mark.parametrize("line_count", [1, 5])
def test_reserve_is_one_statement_whatever_the_basket(committed_store, raw_statements, line_count):
    from django.test.utils import CaptureQueriesContext

    warehouses = [WarehouseFactory(priority=1), WarehouseFactory(priority=2)]
    variants = [VariantFactory() for _ in range(line_count)]
    for variant in variants:
        for warehouse in warehouses:
            stock(variant, warehouse, 2)  # 3 units of each: split across both warehouses
    raw_statements.clear()  # count from here on
    with CaptureQueriesContext(connection) as django_queries:
        holds = inventory_services.reserve(
            reference="checkout:a", lines=[(v.id, 3) for v in variants]
        )

    # The low-stock follow-up (every variant ends below its threshold here) is an outbox
    # message, written and marked dispatched by apps/core/outbox.py: not the reservation's SQL.
    follow_up = [q for q in django_queries.captured_queries if "core_outboxmessage" in q["sql"]]
    # When the store next needs beat's visit (the holds' expiry, the outbox's safety sweep):
    # a read and an upsert of its public tenants_storework row per kind, skipped once this
    # process knows an earlier mark (apps/tenants/due.py). Bookkeeping, not the reservation.
    due_marks = [q for q in django_queries.captured_queries if "tenants_storework" in q["sql"]]
    reservation = len(raw_statements) + len(django_queries) - len(follow_up) - len(due_marks)
    assert reservation == 1
    assert len(follow_up) == 2  # the INSERT, and the UPDATE after the (autocommit) publish
    assert len(due_marks) <= 4
    assert len(holds) == 2 * line_count
    assert sum(h.quantity for h in holds) == 3 * line_count


@pytest.mark.parametrize("line_count", [1, 5])
def test_commit_of_live_holds_is_one_statement_whatever_the_basket(
    committed_store, raw_statements, line_count
):
    from django.test.utils import CaptureQueriesContext

    warehouses = [WarehouseFactory(priority=1), WarehouseFactory(priority=2)]
    variants = [VariantFactory() for _ in range(line_count)]
    for variant in variants:
        for warehouse in warehouses:
            stock(variant, warehouse, 2)
    inventory_services.reserve(reference="checkout:a", lines=[(v.id, 3) for v in variants])
    raw_statements.clear()  # count from here on
    with CaptureQueriesContext(connection) as django_queries:
        inventory_services.commit_reservation(reference="checkout:a", order_reference="1042")

    assert len(raw_statements) + len(django_queries) == 1
    levels = StockLevel.objects.filter(variant__in=variants)
    assert sorted((lv.on_hand, lv.reserved) for lv in levels) == sorted(
        [(0, 0), (1, 0)] * line_count
    )
    sales = StockMovement.objects.filter(reason="sale")
    assert sorted((m.delta, m.order_reference) for m in sales) == sorted(
        [(-2, "1042"), (-1, "1042")] * line_count
    )
    assert set(Reservation.objects.values_list("state", "release_reason")) == {("committed", "")}
    assert selectors.list_stock_drift() == []
    assert advisory_locks_held() == 0


def _take_the_rest_once_reserve_waits(store, stock_level_id: int, ready, done) -> None:
    """In its own session: lock the stock row, wait until ``reserve`` blocks on it, then take
    every unit left and commit — the race the fast path's plan lost."""
    import time

    from django.db import connection as session

    try:
        session.set_tenant(store)
        with transaction.atomic(), session.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM inventory_stocklevel WHERE id = %s FOR NO KEY UPDATE",
                [stock_level_id],
            )
            ready.set()
            for _ in range(500):  # until reserve waits for this row lock (at most 5 s)
                # A session blocked on a row waits for the holder's transaction id, a lock
                # pg_locks lists with no database: ask pg_stat_activity who waits for a lock.
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
            cursor.execute(
                "UPDATE inventory_stocklevel SET reserved = on_hand WHERE id = %s",
                [stock_level_id],
            )
    finally:
        session.close()
        done.set()


@pytest.mark.parametrize("own_transaction", [True, False])
def test_a_fast_path_that_loses_the_race_reserves_nothing_and_reports_the_shortage(
    committed_store, raw_statements, own_transaction
):
    import threading

    warehouse = WarehouseFactory()
    variant = VariantFactory()
    stock(variant, warehouse, 3)
    level = StockLevel.objects.get(variant=variant)
    raw_statements.clear()  # count from here on
    ready, done = threading.Event(), threading.Event()
    rival = threading.Thread(
        target=_take_the_rest_once_reserve_waits,
        args=(committed_store, level.id, ready, done),
        daemon=True,
    )
    rival.start()
    assert ready.wait(10)

    with pytest.raises(InsufficientStock) as raised:
        if own_transaction:
            inventory_services.reserve(reference="checkout:late", lines=[(variant.id, 2)])
        else:
            with transaction.atomic():
                inventory_services.reserve(reference="checkout:late", lines=[(variant.id, 2)])
    rival.join(10)

    assert done.is_set()
    # On its own, the lost race fails the call (a rollback) and the call is made again locked;
    # inside a caller's transaction, a subtransaction undoes the attempt within one call.
    assert len(raw_statements) == (2 if own_transaction else 1)
    assert raised.value.extra["lines"] == [
        {"variant_id": variant.id, "requested": 2, "available": 0}
    ]
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (3, 3)
    assert not Reservation.objects.filter(reference="checkout:late").exists()
    assert advisory_locks_held() == 0


def test_the_holds_reserve_returns_are_built_in_the_models_field_order():
    from apps.inventory.models import Reservation
    from apps.inventory.services import reserving

    assert reserving._HOLD_FIELDS == [f.attname for f in Reservation._meta.concrete_fields]


@pytest.mark.django_db
def test_reserve_reads_stock_rows_by_index_scan_never_bitmap_scan(stocked_variant):
    """A bitmap scan visits the index entry of every dead version of a hot stock row until
    VACUUM; an index scan marks them dead and skips them next time (migration 0006)."""
    variant = stocked_variant(5)
    plans = []
    with connection.cursor() as cursor:
        raw = cursor.connection
        raw.add_notice_handler(lambda notice: plans.append(notice.message_primary))
        cursor.execute("LOAD 'auto_explain'")
        for setting in ("log_min_duration = 0", "log_nested_statements = on"):
            cursor.execute(f"SET LOCAL auto_explain.{setting}")
        cursor.execute("SET LOCAL client_min_messages = log")
        inventory_services.reserve(reference="checkout:a", lines=[(variant.id, 2)])
        cursor.execute("SET LOCAL client_min_messages = notice")

    stock_reads = [plan for plan in plans if "on inventory_stocklevel" in plan]
    assert stock_reads, plans  # the candidate read and the conditional UPDATE at least
    assert not [plan for plan in plans if "Bitmap" in plan], stock_reads
