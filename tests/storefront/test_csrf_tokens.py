"""CSRF tokens of page-cache hits (apps/storefront/csrf_tokens.py) are Django's own kind."""

from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token

from apps.storefront import csrf_tokens


def test_hit_tokens_are_djangos_masked_form_of_the_visitors_secret(rf):
    newcomer, returning = rf.get("/"), rf.get("/")
    returning.META["CSRF_COOKIE"] = "a" * 32
    tokens = [csrf_tokens.get_token(newcomer), csrf_tokens.get_token(returning)]

    assert _unmask_cipher_token(tokens[0]) == newcomer.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(tokens[1]) == "a" * 32
    assert newcomer.META["CSRF_COOKIE_NEEDS_UPDATE"] and returning.META["CSRF_COOKIE_NEEDS_UPDATE"]
    assert all(len(t) == 64 and set(t) <= set(CSRF_ALLOWED_CHARS) for t in tokens)
    assert len({csrf_tokens.random_string() for _ in range(200)}) == 200
