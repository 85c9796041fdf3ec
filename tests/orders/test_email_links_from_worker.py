"""Links in emails written by a real worker under honcho-like per-process ports.

`make run` (honcho) gives each process its own PORT: web 8000, worker 8100, beat 8200. The
confirmation email is written by the worker, yet every link in it must reach the web server.
"""

import email
import re
import time
from email import policy

import pytest
from django.db import transaction

from apps.checkout import services as checkout_services
from apps.demo.management.commands.run_platform import public_environment
from apps.orders.models import Order, OrderEvent
from tests.celery_worker import running_worker
from tests.shopping import pay_with_test_card, ready_checkout, stocked_variant

LINK = re.compile(r"https?://[^\s\"'<>]+")


def read_mail(path) -> tuple[str, str, str]:
    """Subject, text and HTML body of the one message the file backend wrote to ``path``."""
    [mail_file] = list(path.iterdir())
    raw = mail_file.read_bytes().split(b"\n" + b"-" * 79)[0]
    message = email.message_from_bytes(raw, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return message["Subject"], text, html


@pytest.mark.worker
def test_every_link_in_the_worker_written_confirmation_points_at_the_web_public_base(
    committed_store, tmp_path, monkeypatch, settings
):
    # What `make run` does: the web listens on PORT 8000, and run_platform hands every process
    # the same public base; honcho then gives the worker PORT 8100.
    monkeypatch.setenv("PORT", "8000")
    for name, value in public_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PORT", "8100")
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(tmp_path))
    checkout = ready_checkout(
        lines=[(stocked_variant(price="12.00", stock=20), 1)], email="buyer@example.test"
    )

    with running_worker():
        with transaction.atomic():
            order = checkout_services.place_order(checkout=checkout).order
        order = pay_with_test_card(order)
        deadline = time.monotonic() + 30
        sent = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT)
        while time.monotonic() < deadline and not sent.exists():
            time.sleep(0.2)

    subject, text, html = read_mail(tmp_path)
    base = f"http://{committed_store.primary_host}:8000/"
    links = LINK.findall(text) + LINK.findall(html)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert subject.endswith(f"Order #{order.number} confirmed")
    assert f"{base}orders/{order.token}/" in text
    assert f'href="{base}orders/{order.token}/"' in html
    assert links and all(link.startswith(base) for link in links), links
