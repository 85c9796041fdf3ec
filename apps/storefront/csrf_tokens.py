"""CSRF tokens for page-cache hits, as Django's ``get_token`` makes them, drawn faster.

Django draws each of a token's 64 random characters with its own ``secrets.choice`` (one
``os.urandom`` call each): a tenth of a page-cache hit, paid by every first-time visitor of a
flash sale. Here each random string comes from one ``os.urandom`` call, unbiased (bytes of 248
and over are skipped: 248 is the largest multiple of 62 below 256). The token has Django's
form (mask + secret enciphered under it) and the visitor's secret goes into ``request.META``
exactly as ``get_token`` leaves it, so ``CsrfViewMiddleware`` sets the cookie and checks the
POST as usual (``tests/storefront/test_page_cache.py``).
"""

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {char: index for index, char in enumerate(_CHARS)}
_LIMIT = 256 - 256 % len(_CHARS)


def random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(_CHARS[byte % len(_CHARS)] for byte in os.urandom(length) if byte < _LIMIT)
    return "".join(chars[:length])


def get_token(request) -> str:
    """A masked token for the visitor's CSRF secret (a new secret when they have none)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = random_string()
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # (re)sent on the way out, as Django does
    mask = random_string()
    cipher = "".join(
        _CHARS[(_INDEX[s] + _INDEX[m]) % len(_CHARS)] for s, m in zip(secret, mask, strict=True)
    )
    return mask + cipher
