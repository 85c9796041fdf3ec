"""Gift card codes: 80 random bits, shown once, stored only as a lookup key.

A code is 16 characters of Crockford's base32 (5 bits each: digits and letters without I, L,
O and U, so nothing reads as another character), printed in four groups: ``7K3M-Q9XD-…``.
Shoppers may type it in any case, with or without dashes or spaces; I and L read as 1, O as 0.
"""

import hashlib
import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 × 5 bits = 80 bits
_READS_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def generate_code() -> str:
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def derive_code(identity: str) -> str:
    """The code of a card bought as a product, derived from ``SECRET_KEY`` and the unit's
    identity (store schema, order line, unit): 80 bits of an HMAC, as unguessable as a random
    code without the key. Derived rather than random so the code is never stored anywhere —
    not in the outbox, the broker or the order's history — yet the email task (and its
    redelivery) can write it, the same code every time."""
    digest = int.from_bytes(
        salted_hmac("mercato.gift-card-code", identity, algorithm="sha256").digest()[:10], "big"
    )
    raw = "".join(ALPHABET[(digest >> (5 * i)) & 31] for i in range(LENGTH))
    return _grouped(raw)


def normalize(code: str) -> str:
    """The code as typed → its 16 canonical characters ("" if it cannot be a code)."""
    cleaned = "".join(code.split()).replace("-", "").upper().translate(_READS_AS)
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return ""
    return cleaned


def lookup_key(code: str) -> str:
    """SHA-256 of the normalized code: what the database stores and searches by."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def last4(code: str) -> str:
    return normalize(code)[-4:]
