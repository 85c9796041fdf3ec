"""Gift card codes: 80 random bits, shown once, stored only as a lookup key.

A code is 16 characters of Crockford's base32 (5 bits each: digits and letters without I, L,
O and U, so nothing reads as another character), printed in four groups: ``7K3M-Q9XD-…``.
Shoppers may type it in any case, with or without dashes or spaces; I and L read as 1, O as 0.
"""

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 × 5 bits = 80 bits
_READS_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def generate_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


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
