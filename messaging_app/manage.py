#!/usr/bin/env python
"""Django's command-line utility for the messaging API."""
import os
import sys


def main() -> None:
    """Run an administrative task with this project's settings; ``test``
    runs with ``messaging_app.test_settings`` (settings.py with test defaults)."""
    testing = len(sys.argv) > 1 and sys.argv[1] == "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE",
                          "messaging_app.test_settings" if testing else "messaging_app.settings")
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        from messaging_app.missing_database import fix_for

        message = fix_for(error)
        if not message:
            raise
        sys.exit(message)


if __name__ == "__main__":
    main()
