"""A local HTTP server that answers the Stripe API calls Mercato makes, in Stripe's wire format.

The real ``stripe`` SDK talks to it (``STRIPE_API_BASE``). It keeps PaymentIntents and refunds
in memory, replays a request with an Idempotency-Key it has seen (as Stripe does), answers
errors as ``{"error": {...}}`` and records every request for the test to inspect.
"""

import itertools
import json
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    @property
    def api_key(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ")


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding: ``metadata[order]=7`` → {"metadata": {"order": "7"}}."""
    result: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def error_body(kind: str, code: str, message: str, **extra) -> dict:
    return {"error": {"type": kind, "code": code, "message": message, **extra}}


# Stripe takes these three-decimal currencies only in multiples of 10 minor units.
TEN_STEP_CURRENCIES = {"bhd", "jod", "kwd", "omr", "tnd"}


def off_step(amount: int, currency: str | None) -> tuple[int, dict] | None:
    """Stripe's refusal of 5124 KWD (it takes 5120 or 5130), or None."""
    if (currency or "").lower() in TEN_STEP_CURRENCIES and amount % 10:
        return 400, error_body(
            "invalid_request_error",
            "parameter_invalid_integer",
            f"Invalid amount: {currency} amounts must be a multiple of 10.",
            param="amount",
        )
    return None


class FakeStripe:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self._replies: dict[str, tuple[int, dict]] = {}
        self._forced: deque[tuple[int, dict, dict]] = deque()
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

    def start(self) -> "FakeStripe":
        self._thread.start()
        return self

    def reset(self) -> None:
        """Forget everything: one server serves the whole session, each test starts clean."""
        with self._lock:
            self.requests.clear()
            self.intents.clear()
            self.refunds.clear()
            self._replies.clear()
            self._forced.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- scripting -------------------------------------------------------------------------

    def respond_next(self, status: int, body: dict, headers: dict | None = None) -> None:
        """Answer the next request with this, whatever it asks."""
        self._forced.append((status, body, headers or {}))

    def succeed(self, intent_id: str) -> dict:
        """The shopper paid: the intent is captured in full."""
        intent = self.intents[intent_id]
        intent.update(status="succeeded", amount_received=intent["amount"])
        return intent

    def posts(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]

    # --- the API ---------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else url.query
        params = decode_form(parse_qsl(raw, keep_blank_values=True))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = RecordedRequest(handler.command, url.path, headers, params)
        with self._lock:
            self.requests.append(request)
            status, body, extra_headers = self._answer(request)
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
        for name, value in extra_headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, request: RecordedRequest) -> tuple[int, dict, dict]:
        if self._forced:
            return self._forced.popleft()
        key = request.idempotency_key if request.method == "POST" else None
        if key and key in self._replies:
            status, body = self._replies[key]
            return status, body, {"Idempotent-Replayed": "true"}
        status, body = self._route(request)
        if key and status < 500:
            self._replies[key] = (status, body)
        return status, body, {}

    def _route(self, request: RecordedRequest) -> tuple[int, dict]:
        path, params = request.path, request.params
        if request.method == "POST" and path == "/v1/payment_intents":
            return self._create_intent(params)
        match = re.fullmatch(r"/v1/payment_intents/([\w]+)", path)
        if request.method == "GET" and match:
            intent = self.intents.get(match[1])
            if intent is None:
                return 404, error_body(
                    "invalid_request_error", "resource_missing", "No such payment_intent"
                )
            return 200, intent
        if request.method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if request.method == "GET" and path == "/v1/refunds":
            intent_id = params.get("payment_intent")
            data = [r for r in self.refunds.values() if r["payment_intent"] == intent_id]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"}
        return 404, error_body("invalid_request_error", "resource_missing", "Unrecognized URL")

    def _create_intent(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            return 400, error_body("invalid_request_error", "parameter_missing", "amount")
        if refusal := off_step(amount, params.get("currency")):
            return refusal
        intent_id = f"pi_{next(self._ids):06d}{secrets.token_hex(4)}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": params.get("currency"),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "last_payment_error": None,
            "livemode": False,
        }
        self.intents[intent_id] = intent
        return 200, intent

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None:
            return 404, error_body(
                "invalid_request_error", "resource_missing", "No such payment_intent"
            )
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(params.get("amount") or intent["amount_received"] - refunded)
        if intent["status"] != "succeeded":
            return 400, error_body(
                "invalid_request_error", "charge_not_captured", "This payment is not captured."
            )
        if refusal := off_step(amount, intent["currency"]):
            return refusal
        if amount > intent["amount_received"] - refunded:
            return 400, error_body(
                "invalid_request_error",
                "amount_too_large",
                "Refund amount is greater than unrefunded amount on charge.",
                param="amount",
            )
        refund = {
            "id": f"re_{next(self._ids):06d}{secrets.token_hex(4)}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund
