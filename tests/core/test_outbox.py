"""The transactional outbox: a message exists exactly when its transaction commits, is handed to
the broker after the commit, and waits for the periodic relay when the broker is down."""

from datetime import timedelta

import pytest
from celery import Celery
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError

from apps.core import outbox
from apps.core.models import OutboxMessage
from apps.core.tasks import relay_outbox_task

TASK = "apps.core.tasks.report_schema_task"


@pytest.fixture
def published(monkeypatch):
    """What reached the broker: (task name, options) per publish, schema header included."""
    sent: list[tuple[str, dict]] = []
    # Below the app's send_task, which adds the schema header (tenant-schemas-celery).
    monkeypatch.setattr(Celery, "send_task", lambda self, name, **kw: sent.append((name, kw)))
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    attempts = []

    def refuse(self, name, **kw):
        attempts.append(name)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Celery, "send_task", refuse)
    return attempts


@pytest.mark.django_db
def test_a_message_is_published_only_after_its_transaction_commits(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        message_id = outbox.enqueue(TASK, "marker")
        assert published == []
        assert outbox.count_pending() == 1

    for callback in callbacks:
        callback()

    [(name, options)] = published
    assert name == TASK
    assert options["args"] == ["marker"]
    assert options["task_id"] == str(message_id)
    assert options["headers"] == {"_schema_name": connection.schema_name}
    assert outbox.count_pending() == 0
    assert OutboxMessage.objects.get(pk=message_id).dispatched_at is not None


@pytest.mark.django_db
def test_after_commit_each_message_costs_one_statement(
    published, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks() as callbacks:
        for marker in ("a", "b", "c"):
            outbox.enqueue(TASK, marker)

    with django_assert_num_queries(3):  # published as written, then one UPDATE per message
        for callback in callbacks:
            callback()

    assert [options["args"] for _, options in published] == [["a"], ["b"], ["c"]]
    assert outbox.count_pending() == 0


@pytest.mark.django_db
def test_a_message_in_a_rolled_back_savepoint_is_never_published(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kept = outbox.enqueue(TASK, "kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue(TASK, "dropped")
            raise RuntimeError("this part failed")

    assert [options["task_id"] for _, options in published] == [str(kept)]
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [kept]


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_message(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue(TASK, "marker")
            raise RuntimeError("the change failed")

    assert callbacks == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_broker_down_at_commit_keeps_the_message_for_the_periodic_relay(
    broker_down, django_capture_on_commit_callbacks, monkeypatch, caplog, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue(TASK, "first")
        second = outbox.enqueue(TASK, "second")

    assert broker_down == [TASK, TASK]
    failed = OutboxMessage.objects.get(pk=first)
    assert failed.dispatched_at is None
    assert failed.failed_attempts == 1
    assert "Connection refused" in failed.last_error
    assert outbox.count_pending() == 2
    assert "left for the periodic relay" in caplog.text

    sent = []
    monkeypatch.setattr(Celery, "send_task", lambda self, name, **kw: sent.append(kw["task_id"]))
    young = relay_outbox_task()  # within the grace period: the commit hooks' business
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0
    dispatched = relay_outbox_task()

    assert young == 0
    assert dispatched == 2
    assert sent == [str(first), str(second)]
    assert outbox.count_pending() == 0
    assert relay_outbox_task() == 0  # dispatched rows are never sent again by the relay


@pytest.mark.django_db
def test_the_periodic_relay_stops_at_the_first_refused_publish(broker_down, settings):
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0
    for marker in ("a", "b", "c"):
        outbox.enqueue(TASK, marker)  # in the test's transaction: no commit hook runs

    assert outbox.relay_pending() == 0

    assert broker_down == [TASK]
    assert outbox.count_pending() == 3


@pytest.mark.django_db
def test_the_periodic_relay_drops_dispatched_rows_after_a_week(published):
    old = OutboxMessage.objects.create(task_name=TASK, dispatched_at=timezone.now())
    OutboxMessage.objects.filter(pk=old.pk).update(
        dispatched_at=timezone.now() - outbox.KEEP_DISPATCHED - timedelta(minutes=1)
    )
    recent = OutboxMessage.objects.create(task_name=TASK, dispatched_at=timezone.now())

    outbox.relay_pending()

    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_messages_stay_in_their_stores_schema(published, other_store):
    outbox.enqueue(TASK, "mine")

    with schema_context(other_store.schema_name):
        assert outbox.count_pending() == 0
        assert outbox.relay_pending() == 0
    assert outbox.count_pending() == 1


@pytest.mark.django_db
def test_an_unknown_task_name_fails_where_it_is_queued():
    with pytest.raises(ValueError, match="No Celery task is registered"):
        outbox.enqueue("apps.orders.tasks.no_such_task", 1)

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_message_for_a_task_that_no_longer_exists_never_blocks_the_others(published, settings):
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0
    # Written before a deploy renamed its task.
    orphan = OutboxMessage.objects.create(task_name="apps.gone.tasks.old_task", args=[1])
    later = outbox.enqueue(TASK, "later")  # in the test's transaction: no commit hook runs

    assert outbox.relay_pending() == 1

    assert [options["task_id"] for _, options in published] == [str(later)]
    orphan.refresh_from_db()
    assert orphan.dispatched_at is None
    assert orphan.failed_attempts == 1 and "apps.gone.tasks.old_task" in orphan.last_error
