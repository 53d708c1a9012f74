"""One line naming the fix when the configured database does not exist yet.

A fresh PostgreSQL server has no database for the service until someone runs
``createdb``; without this, ``manage.py migrate`` (the first command of any
deployment) ends in a page of traceback whose last line only says
``database "x" does not exist``.
"""
import re

from django.db import connections

MISSING = re.compile(r'database "(?P<name>[^"]+)" does not exist')


def fix_for(error: Exception, alias: str = "default") -> str:
    """The message naming the ``createdb`` to run, or '' if error is another one."""
    found = MISSING.search(str(error))
    settings = connections.settings[alias]
    if not found or "postgresql" not in settings["ENGINE"]:
        return ""
    host = settings.get("HOST") or "localhost"
    port = str(settings.get("PORT") or 5432)
    user = settings.get("USER") or ""
    command = ["createdb", "-h", host, "-p", port, *(["-U", user] if user else []),
               found["name"]]
    return (f'error: the PostgreSQL database "{found["name"]}" does not exist on '
            f"{host}:{port} (DATABASE_URL); create it with: {' '.join(command)}")
