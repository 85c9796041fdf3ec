"""Pods: stores on two PostgreSQL servers (apps/tenants/pods.py, apps/tenants/pod_moves.py).

The first server is the suite's own (DATABASE_URL, or the embedded one `make test` starts);
the second is started here, from the same embedded binaries, in a temporary directory.
"""

import shutil
import tempfile
import threading
import time
from io import StringIO
from pathlib import Path

import dj_database_url
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client, override_settings
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from apps.api import services as api_services
from apps.cart.models import Cart
from apps.checkout import services as checkout_services
from apps.core.tasks import report_schema_task
from apps.orders.models import Order
from apps.tenants import commission, fleet, pod_moves, pods, services, sql
from apps.tenants.models import SchemaState, Store, StoreMove
from config import devservices
from tests.conftest import TEST_PASSWORD
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant

POD = "pod2"


@pytest.fixture(scope="module")
def second_pod(django_db_setup, django_db_blocker):
    """A second PostgreSQL server, registered as pod ``pod2`` and prepared (extensions, the
    store template) for the tests of this module; stopped and deleted afterwards.

    Its data lives in a directory of its own: pytest's basetemp may be pruned by a concurrent
    run under the same user."""
    data = Path(tempfile.mkdtemp(prefix="mercato-pod2-"))
    url, stop = devservices.start_extra_postgres(data / "pgdata", "mercato_pod2")
    entry = dj_database_url.parse(url, engine="apps.core.postgresql_backend")
    connections.settings[POD] = connections.configure_settings(
        {"default": connections.settings["default"], POD: entry}
    )[POD]
    try:
        with django_db_blocker.unblock(), override_settings(PODS=["default", POD]):
            pod_moves.prepare_pod(POD)
        yield POD
    finally:
        connections[POD].close()
        del connections.settings[POD]
        stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def two_pods(second_pod, settings):
    settings.PODS = ["default", second_pod]
    yield second_pod
    pods.leave_store()


def _in_thread(target) -> tuple[threading.Thread, dict]:
    """Run ``target`` in a thread of its own (its own connections); the dict gets its result."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc
        finally:
            pods.leave_store()
            for alias in ("default", POD):
                connections[alias].close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _paused(store: Store) -> bool:
    return Store.objects.filter(pk=store.pk, writes_paused_at__isnull=False).exists()


def _wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_move_store_copies_verifies_and_switches_without_losing_a_write(
    committed_store, two_pods, settings
):
    store = committed_store
    assert store.pod == pods.DEFAULT_POD  # opened before the second pod was listed
    variant = stocked_variant(price="10.00", stock=5)
    customer = get_user_model().objects.create_user(email="shopper@example.test", password="x")
    order = pay_with_test_card(
        checkout_services.place_order(checkout=ready_checkout(lines=[(variant, 2)])).order
    )
    _, api_key = api_services.create_api_key(name="pods", scopes=["orders:read"])
    before = pod_moves.snapshot(store.schema_name, pods.DEFAULT_POD)
    connection.set_schema_to_public()
    in_flight_started, in_flight_may_finish = threading.Event(), threading.Event()

    def in_flight_write():
        # A write that started before the move: the move waits for it, and copies it.
        pods.enter_store_for_write(store, wait_seconds=1)
        in_flight_started.set()
        in_flight_may_finish.wait(20)
        with schema_context(store.schema_name):
            get_user_model().objects.create_user(email="late@example.test", password="x")

    writer, written = _in_thread(in_flight_write)
    assert in_flight_started.wait(10), written
    mover, moved = _in_thread(
        lambda: call_command("move_store", store.schema_name, "--to", POD, stdout=StringIO())
    )
    _wait_until(lambda: _paused(store))
    api = APIClient(HTTP_HOST=store.primary_host)
    settings.POD_MOVE_WRITE_WAIT_SECONDS = 0.1
    refused = api.post("/api/v1/carts")
    settings.POD_MOVE_WRITE_WAIT_SECONDS = 20

    def task_for_the_store():
        with schema_context(store.schema_name):
            return report_schema_task.apply().get()

    tasker, tasked = _in_thread(task_for_the_store)  # waits for the switch, runs on the new pod
    waiting_api = APIClient(HTTP_HOST=store.primary_host)
    waiter, waited = _in_thread(lambda: waiting_api.post("/api/v1/carts"))
    time.sleep(0.3)  # the waiting write is in its wait loop
    in_flight_may_finish.set()
    for thread in (writer, mover, waiter, tasker):
        thread.join(30)

    assert refused.status_code == 503
    assert refused["Retry-After"] == "5"
    assert refused.json()["error"]["code"] == "store_moving"
    assert "error" not in written and "error" not in moved, (written, moved)
    assert waited["result"].status_code == 201
    # owner, customer and the in-flight write's user: the task ran after the switch, on pod2
    assert tasked["result"]["users"] == 3, tasked
    store.refresh_from_db()
    assert (store.pod, store.writes_paused_at) == (POD, None)
    move = StoreMove.objects.get(store=store)
    assert move.status == StoreMove.Status.SWITCHED and move.rows > 0 and move.pause_ms > 0
    with pods.store_context(store):
        assert Order.objects.get().number == order.number
        assert get_user_model().objects.filter(email="late@example.test").exists()
        assert Cart.objects.filter(token=waited["result"].json()["cart_id"]).exists()
        after = pod_moves.snapshot(store.schema_name, POD)
    assert after["stock"] == before["stock"]
    assert after["rows"]["orders_order"] == before["rows"]["orders_order"] == 1
    # The storefront, the admin and the API answer from the new pod.
    shopper_page = Client(HTTP_HOST=store.primary_host).get(f"/products/{variant.product.slug}/")
    assert shopper_page.status_code == 200 and variant.product.name in shopper_page.content.decode()
    owner = Client(HTTP_HOST=store.primary_host)
    assert (
        owner.post(
            "/admin/login/", {"username": store_owner_email(store), "password": TEST_PASSWORD}
        ).status_code
        == 302
    )
    order_admin = owner.get("/admin/orders/order/")
    assert order_admin.status_code == 200 and str(order.number) in order_admin.content.decode()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    listed = api.get("/api/v1/orders")
    assert listed.status_code == 200 and listed.json()["results"][0]["number"] == order.number
    with pods.store_context(store):
        assert get_user_model().objects.filter(pk=customer.pk).exists()
    staff = get_user_model().objects.create_superuser(email="ops@pods.test", password="x")
    platform = Client(HTTP_HOST="localhost")
    platform.force_login(staff)
    assert POD in platform.get("/admin/tenants/store/").content.decode()
    assert platform.get("/admin/tenants/storemove/").status_code == 200
    # The old copy waits for the grace period, then goes.
    assert sql.schema_exists_here(store.schema_name)
    call_command("move_store", "--drop-old", "--grace-seconds", "0", stdout=StringIO())
    assert not sql.schema_exists_here(store.schema_name)
    assert StoreMove.objects.get(store=store).old_dropped_at is not None
    # committed_store drops the store after the second pod is unlisted: its copy there goes
    # with that server, the row goes back to the default pod for the drop.
    Store.objects.filter(pk=store.pk).update(pod=pods.DEFAULT_POD)
    store.pod = pods.DEFAULT_POD


def store_owner_email(store: Store) -> str:
    return f"owner@{store.schema_name}.test"


@pytest.fixture
def committed_writes(django_db_setup, django_db_blocker):
    """Database access whose writes commit (stores made here are dropped by the test)."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")
        connection.set_schema_to_public()
        yield
        connection.set_schema_to_public()
        connection.close()


def test_new_stores_go_to_the_least_loaded_pod_and_platform_views_read_it(
    committed_writes, two_pods
):

    store = services.create_store(
        name="Pod Shop",
        slug="podshop",
        owner_email="owner@podshop.test",
        owner_password="Pass-2026x",
    )

    try:
        assert store.pod == POD
        assert not sql.schema_exists_here("podshop")
        with pods.store_context(store):
            assert get_user_model().objects.get().email == "owner@podshop.test"
            stocked_variant(price="7.00", stock=3)
            Order.objects.create(
                email="a@b.test", currency="USD", subtotal="7.00", total="7.00",
                payment_status=Order.PaymentStatus.PAID, status=Order.Status.PAID,
            )  # fmt: skip
        home = Client(HTTP_HOST=store.primary_host).get("/")
        assert home.status_code == 200 and "Pod Shop" in home.content.decode()
        sales = commission.get_store_sales(store, use_cache=False)
        assert (sales.orders, str(sales.revenue)) == (1, "7.00")
        with schema_context(store.schema_name):  # a task queued for the store runs on its pod
            ran = report_schema_task.apply().get()
        assert (ran["schema"], ran["users"]) == ("podshop", 1)
        assert pods.current_pod() == pods.DEFAULT_POD
        # The deploy's fleet migration visits the store (and the pod's template) on its pod.
        SchemaState.objects.filter(schema_name="podshop").update(fingerprint="stale")
        call_command("migrate_fleet", "--skip-public", "--no-pool", "--processes", "1",
                     stdout=StringIO())  # fmt: skip
        current = set(
            SchemaState.objects.filter(fingerprint=fleet.code_fingerprint()).values_list(
                "schema_name", flat=True
            )
        )
        assert {"podshop", fleet.pod_template_state_name(POD)} <= current
        reconciled = StringIO()  # a per-store command works on the store's pod
        call_command("reconcile_stock", "--store", "podshop", stdout=reconciled)
        assert "podshop: no drift" in reconciled.getvalue()
        for target, refusal in ((POD, "already on pod"), ("nowhere", "Unknown pod")):
            with pytest.raises(CommandError, match=refusal):
                call_command("move_store", "podshop", "--to", target)
        assert not StoreMove.objects.filter(store=store).exists()
    finally:
        store.delete(force_drop=True)  # drops the schema on its pod
        with pods.using_pod(POD):
            assert not sql.schema_exists_here("podshop")
