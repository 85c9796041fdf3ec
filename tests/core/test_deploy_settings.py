"""Deployment settings: with DEBUG off the HTTPS-only settings are on, `check --deploy` is clean,
and a plain-HTTP rig opts out explicitly (PLAIN_HTTP=1)."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "PLATFORM_DOMAIN": "shops.example.com",
}
SHOW = (
    "SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD "
    "SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE PLATFORM_ADMIN_REQUIRE_2FA"
).split()


def _environment(**values: str) -> dict[str, str]:
    """This process's environment less what tests set on themselves (the browser tests set
    DJANGO_ALLOW_ASYNC_UNSAFE in-process, which a deployment must not have)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PLAIN_HTTP", "DEBUG", *SHOW} and not k.startswith("DJANGO_")
    }
    return {**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **values}


def _run(args: list[str], **values: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=_environment(**values), cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _settings_of(**values: str) -> dict[str, str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        f"print(*[f'{{n}}={{getattr(s, n)}}' for n in {SHOW!r}], sep='\\n')"
    )
    result = _run(["-c", code], **values)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_check_deploy_with_production_settings_reports_nothing():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_off_turns_the_https_only_settings_on():
    values = _settings_of(**PRODUCTION)

    assert values == {
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
        "SECURE_HSTS_PRELOAD": "True",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "PLATFORM_ADMIN_REQUIRE_2FA": "True",
    }


def test_a_plain_http_rig_opts_out_explicitly():
    values = _settings_of(**PRODUCTION, PLAIN_HTTP="1")

    assert values["SECURE_SSL_REDIRECT"] == "False"
    assert values["SECURE_HSTS_SECONDS"] == "0"
    assert values["SESSION_COOKIE_SECURE"] == values["CSRF_COOKIE_SECURE"] == "False"
    assert values["PLATFORM_ADMIN_REQUIRE_2FA"] == "True"  # not a transport setting


def test_make_run_and_the_test_servers_opt_out_of_https():
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    live_server = (settings.BASE_DIR / "tests" / "live_server.py").read_text()

    assert "PLAIN_HTTP=1 python -m config.devservices -- python manage.py run_platform" in makefile
    assert '"PLAIN_HTTP": "1"' in live_server


def test_production_templates_and_form_widgets_are_compiled_once_per_process():
    code = (
        "import django; django.setup(); from django.template import engines; "
        "from django.forms.renderers import get_default_renderer; "
        "print(type(engines['django'].engine.template_loaders[0]).__module__); "
        "print(type(get_default_renderer().engine.engine.template_loaders[0]).__module__)"
    )

    result = _run(["-c", code], **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.template.loaders.cached"] * 2
