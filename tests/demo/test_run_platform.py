"""`make run` hands web, worker and beat one public base; honcho's per-process PORT is not it."""

from apps.demo.management.commands.run_platform import public_environment, web_port


def test_the_public_port_of_every_process_is_the_webs_port(monkeypatch, settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", ""
    monkeypatch.setenv("PORT", "9000")

    assert web_port() == "9000"
    assert public_environment() == {"PUBLIC_SCHEME": "http", "PUBLIC_PORT": "9000"}


def test_a_configured_public_port_is_kept(monkeypatch, settings):
    # Behind a proxy: the web listens on 8000, visitors reach it on 443.
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", "443"
    monkeypatch.delenv("PORT", raising=False)

    assert web_port() == "8000"
    assert public_environment() == {"PUBLIC_SCHEME": "https", "PUBLIC_PORT": "443"}
