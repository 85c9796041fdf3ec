#!/usr/bin/env python
import os
import sys

# Commands that never touch the database: they run with no DATABASE_URL and no server.
NO_DATABASE_COMMANDS = {
    "help", "--help", "-h", "version", "--version", "check", "diffsettings", "makemigrations",
    "spectacular", "collectstatic", "makemessages", "compilemessages", "startapp",
}  # fmt: skip


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from config import service_urls

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command not in NO_DATABASE_COMMANDS and not settings.DATABASE_URL_SOURCE:
        # Neither DATABASE_URL nor a running `make run`: say what to do, not a traceback.
        sys.stderr.write(service_urls.NO_DATABASE + "\n")
        sys.exit(1)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
