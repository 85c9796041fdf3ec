"""A local HTTP server that answers the PayPal REST calls Mercato makes, in PayPal's wire format.

The real ``paypal-server-sdk`` talks to it (``PAYPAL_API_BASE``): OAuth client-credentials
tokens, Orders v2 (create, get, capture), captures (get, refund) and
``/v1/notifications/verify-webhook-signature``. It keeps orders, captures and refunds in memory,
replays a POST whose ``PayPal-Request-Id`` it has seen (as PayPal does), answers errors as
PayPal's ``{"name", "message", "debug_id", "details": [{"issue"}]}`` and records every request.

The approve link it hands out (``/checkoutnow?token=<order id>``) is served too: opening it
approves the order and redirects to the order's return URL, as PayPal does after the shopper
logs in and clicks "Pay". Webhook signatures follow PayPal's scheme — a signature over
``<transmission id>|<transmission time>|<webhook id>|<CRC32 of the event body>`` — with an
HMAC key standing in for PayPal's certificate (``sign``).
"""

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

SIGNING_KEY = b"fake-paypal-signing-key"
CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d0b6e"


def crc32(raw: bytes) -> int:
    return binascii.crc32(raw) & 0xFFFFFFFF


def sign(raw_event: bytes, *, webhook_id: str, transmission_id: str, transmission_time: str):
    """The signature PayPal would send in PAYPAL-TRANSMISSION-SIG for this delivery."""
    message = f"{transmission_id}|{transmission_time}|{webhook_id}|{crc32(raw_event)}"
    return base64.b64encode(hmac.new(SIGNING_KEY, message.encode(), hashlib.sha256).digest())


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict
    raw: str

    @property
    def request_id(self) -> str | None:
        return self.headers.get("paypal-request-id")

    @property
    def bearer(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ")


def error(status: int, name: str, issue: str, message: str = "", **extra) -> tuple[int, dict]:
    return status, {
        "name": name,
        "message": message or f"{name.replace('_', ' ').capitalize()}.",
        "debug_id": secrets.token_hex(6),
        "details": [{"issue": issue, "description": issue.replace("_", " ").lower()}],
        "links": [],
        **extra,
    }


class FakePayPal:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.orders: dict[str, dict] = {}
        self.captures: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.credentials: dict[str, str] = {}  # client id → secret
        self.tokens: set[str] = set()  # kept across resets: the app caches them
        self._replies: dict[tuple[str, str], tuple[int, dict]] = {}
        self._forced: deque[tuple[int, dict]] = deque()
        self._capture_outcomes: deque[str] = deque()
        self._delays: deque[float] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._handle(self)

            def do_POST(self):
                fake._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakePayPal":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            for store in (self.requests, self.orders, self.captures, self.refunds, self._replies):
                store.clear()
            self._forced.clear()
            self._capture_outcomes.clear()
            self._delays.clear()
            self.credentials.clear()

    # --- scripting -------------------------------------------------------------------------

    def add_app(self, client_id: str, secret: str) -> None:
        """A REST app whose credentials get tokens."""
        self.credentials[client_id] = secret

    def respond_next(self, status: int, body: dict) -> None:
        """Answer the next API request (not a token request) with this, whatever it asks."""
        self._forced.append((status, body))

    def delay_next(self, seconds: float) -> None:
        """Process the next API request normally but answer only after ``seconds`` (a client
        with a shorter timeout gives up; the work is done all the same, as on a real server)."""
        self._delays.append(seconds)

    def next_capture(self, outcome: str) -> None:
        """How the next capture goes: "completed", "pending", "declined" (201 with a DECLINED
        capture, the order then COMPLETED) or "instrument_declined" (422, re-approve)."""
        self._capture_outcomes.append(outcome)

    def approve(self, order_id: str) -> dict:
        """The shopper approved the order at PayPal."""
        order = self.orders[order_id]
        order["status"] = "APPROVED"
        order["payer"] = {"payer_id": "FAKEPAYER1", "email_address": "buyer@example.test"}
        return order

    def posts(self, path_pattern: str) -> list[RecordedRequest]:
        return [
            r for r in self.requests if r.method == "POST" and re.fullmatch(path_pattern, r.path)
        ]

    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path != "/v1/oauth2/token"]

    # --- HTTP ------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if "json" in headers.get("content-type", ""):
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {"__invalid__": True}
        else:
            body = {k: v[0] for k, v in parse_qs(raw or url.query).items()}
        request = RecordedRequest(handler.command, url.path, headers, body, raw)
        delay = 0.0
        with self._lock:
            self.requests.append(request)
            if url.path == "/checkoutnow":
                return self._approve_page(handler, parse_qs(url.query).get("token", [""])[0])
            if url.path != "/v1/oauth2/token" and self._delays:
                delay = self._delays.popleft()
            status, payload = self._answer(request)
        if delay:
            time.sleep(delay)
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Paypal-Debug-Id", secrets.token_hex(6))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass

    def _approve_page(self, handler: BaseHTTPRequestHandler, order_id: str) -> None:
        order = self.orders.get(order_id)
        if order is None:
            handler.send_response(404)
            handler.end_headers()
            return
        self.approve(order_id)
        context = order["payment_source"]["paypal"]["experience_context"]
        query = urlencode({"token": order_id, "PayerID": "FAKEPAYER1"})
        handler.send_response(302)
        handler.send_header("Location", f"{context['return_url']}?{query}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _answer(self, request: RecordedRequest) -> tuple[int, dict]:
        if request.path == "/v1/oauth2/token":
            return self._token(request)
        if request.bearer not in self.tokens:
            return 401, {
                "error": "invalid_token",
                "error_description": "Token signature verification failed",
            }
        if self._forced:
            return self._forced.popleft()
        key = (request.path, request.request_id) if request.method == "POST" else None
        if key and key[1] and key in self._replies:
            return self._replies[key]
        status, body = self._route(request)
        if key and key[1] and status < 500:
            self._replies[key] = (status, body)
        return status, body

    def _token(self, request: RecordedRequest) -> tuple[int, dict]:
        auth = request.headers.get("authorization", "")
        try:
            client_id, _, secret = (
                base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            )
        except (ValueError, binascii.Error):
            client_id, secret = "", ""
        if request.body.get("grant_type") != "client_credentials" or (
            self.credentials.get(client_id) != secret or not secret
        ):
            return 401, {
                "error": "invalid_client",
                "error_description": "Client Authentication failed",
            }
        token = f"A21AA{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        return 200, {
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": 32400,
            "nonce": f"{time.strftime('%Y-%m-%dT%H:%M:%SZ')}{secrets.token_hex(8)}",
        }

    def _route(self, request: RecordedRequest) -> tuple[int, dict]:
        path, method = request.path, request.method
        if method == "POST" and path == "/v2/checkout/orders":
            return self._create_order(request)
        if match := re.fullmatch(r"/v2/checkout/orders/(\w+)", path):
            order = self.orders.get(match[1])
            if method != "GET" or order is None:
                return error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
            return 200, order
        if method == "POST" and (match := re.fullmatch(r"/v2/checkout/orders/(\w+)/capture", path)):
            return self._capture(match[1])
        if match := re.fullmatch(r"/v2/payments/captures/(\w+)", path):
            capture = self.captures.get(match[1])
            if method != "GET" or capture is None:
                return error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
            return 200, capture
        if method == "POST" and (
            match := re.fullmatch(r"/v2/payments/captures/(\w+)/refund", path)
        ):
            return self._refund(match[1], request.body)
        if method == "POST" and path == "/v1/notifications/verify-webhook-signature":
            return self._verify(request)
        return error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")

    def _link(self, path: str, rel: str, method: str = "GET") -> dict:
        return {"href": f"{self.url}{path}", "rel": rel, "method": method}

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}{secrets.token_hex(5).upper()}"[:17]

    def _create_order(self, request: RecordedRequest) -> tuple[int, dict]:
        body = request.body
        units = body.get("purchase_units") or []
        if body.get("intent") not in ("CAPTURE", "AUTHORIZE") or len(units) != 1:
            return error(400, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER")
        amount = units[0].get("amount") or {}
        if not re.fullmatch(r"\d+(\.\d{2})?", str(amount.get("value", ""))):
            return error(422, "UNPROCESSABLE_ENTITY", "DECIMAL_PRECISION")
        order_id = self._new_id("5O")
        approve = f"{self.url}/checkoutnow?token={order_id}"
        order = {
            "id": order_id,
            "intent": body["intent"],
            "status": "PAYER_ACTION_REQUIRED",
            "payment_source": body.get("payment_source") or {},
            "purchase_units": [{**units[0], "reference_id": "default"}],
            "create_time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": [
                {
                    "href": f"{self.url}/v2/checkout/orders/{order_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {"href": approve, "rel": "payer-action", "method": "GET"},
            ],
        }
        self.orders[order_id] = order
        minimal = {k: order[k] for k in ("id", "status", "links")}
        minimal["payment_source"] = {"paypal": {}}
        return 201, minimal

    def _capture(self, order_id: str) -> tuple[int, dict]:
        order = self.orders.get(order_id)
        if order is None:
            return error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        if order["status"] == "COMPLETED":
            return error(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED")
        if order["status"] != "APPROVED":
            return error(422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED")
        outcome = self._capture_outcomes.popleft() if self._capture_outcomes else "completed"
        if outcome == "instrument_declined":
            order["status"] = "PAYER_ACTION_REQUIRED"  # the payer must choose another source
            approve = next(link["href"] for link in order["links"] if link["rel"] == "payer-action")
            return error(
                422, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED",
                links=[{"href": approve, "rel": "redirect", "method": "GET"}],
            )  # fmt: skip
        unit = order["purchase_units"][0]
        capture_id = self._new_id("3C")
        capture = {
            "id": capture_id,
            "status": outcome.upper(),
            "amount": dict(unit["amount"]),
            "final_capture": True,
            "seller_protection": {"status": "ELIGIBLE"},
            "invoice_id": unit.get("invoice_id"),
            "custom_id": unit.get("custom_id"),
            "create_time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": [
                self._link(f"/v2/payments/captures/{capture_id}", "self"),
                self._link(f"/v2/payments/captures/{capture_id}/refund", "refund", "POST"),
                self._link(f"/v2/checkout/orders/{order_id}", "up"),
            ],
        }
        if outcome == "pending":
            capture["status_details"] = {"reason": "PENDING_REVIEW"}
        self.captures[capture_id] = {
            **capture, "supplementary_data": {"related_ids": {"order_id": order_id}}
        }  # fmt: skip
        unit["payments"] = {"captures": [capture]}
        order["status"] = "COMPLETED"
        return 201, order

    def _sync_order_capture(self, capture_id: str) -> None:
        capture = self.captures[capture_id]
        order = self.orders[capture["supplementary_data"]["related_ids"]["order_id"]]
        for listed in order["purchase_units"][0]["payments"]["captures"]:
            if listed["id"] == capture_id:
                listed["status"] = capture["status"]

    def _refund(self, capture_id: str, body: dict) -> tuple[int, dict]:
        capture = self.captures.get(capture_id)
        if capture is None:
            return error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        if capture["status"] not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            return error(422, "UNPROCESSABLE_ENTITY", "CAPTURE_FULLY_REFUNDED")
        currency = capture["amount"]["currency_code"]
        total = Decimal(capture["amount"]["value"])
        refunded = sum(
            (Decimal(r["amount"]["value"]) for r in self.refunds.values()
             if r["capture_id"] == capture_id),
            Decimal(0),
        )  # fmt: skip
        amount = body.get("amount") or {"value": str(total - refunded), "currency_code": currency}
        if amount.get("currency_code") != currency:
            return error(422, "UNPROCESSABLE_ENTITY", "REFUND_CURRENCY_MISMATCH")
        if Decimal(amount["value"]) > total - refunded:
            return error(422, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED")
        refund_id = self._new_id("1R")
        refund = {
            "id": refund_id,
            "status": "COMPLETED",
            "amount": amount,
            "custom_id": body.get("custom_id"),
            "invoice_id": body.get("invoice_id"),
            "create_time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": [
                self._link(f"/v2/payments/refunds/{refund_id}", "self"),
                self._link(f"/v2/payments/captures/{capture_id}", "up"),
            ],
        }
        self.refunds[refund_id] = {**refund, "capture_id": capture_id}
        refunded += Decimal(amount["value"])
        capture["status"] = "REFUNDED" if refunded >= total else "PARTIALLY_REFUNDED"
        self._sync_order_capture(capture_id)
        return 201, refund

    def refund_resource(self, refund_id: str) -> dict:
        """A refund as a PAYMENT.CAPTURE.REFUNDED event carries it."""
        return {k: v for k, v in self.refunds[refund_id].items() if k != "capture_id"}

    def _verify(self, request: RecordedRequest) -> tuple[int, dict]:
        body = request.body
        fields = ("auth_algo", "cert_url", "transmission_id", "transmission_sig",
                  "transmission_time", "webhook_id", "webhook_event")  # fmt: skip
        if body.get("__invalid__") or any(not body.get(field) for field in fields):
            return error(400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER")
        # The event exactly as the caller sent it: PayPal's CRC32 is over those bytes.
        marker = request.raw.index('"webhook_event":') + len('"webhook_event":')
        raw_event = request.raw[marker:].strip()[:-1].strip().encode()
        expected = sign(
            raw_event,
            webhook_id=body["webhook_id"],
            transmission_id=body["transmission_id"],
            transmission_time=body["transmission_time"],
        )
        genuine = (
            body["auth_algo"] == "SHA256withRSA"
            and body["cert_url"] == CERT_URL
            and hmac.compare_digest(expected.decode(), body["transmission_sig"])
        )
        return 200, {"verification_status": "SUCCESS" if genuine else "FAILURE"}
