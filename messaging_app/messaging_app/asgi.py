"""ASGI entry point: HTTP goes to Django, WebSockets to the Channels consumers.

Serve it with ``python manage.py runserver`` (daphne's runserver, for
development) or in production with
``daphne -b 127.0.0.1 -p 8000 messaging_app.asgi:application`` or
``uvicorn messaging_app.asgi:application --host 127.0.0.1 --port 8000 --workers 2``
(several processes need ``REDIS_URL`` so they share the channel layer).
WebSockets authenticate with a single-use ticket from an authenticated
request or an access token, never with cookies.  Their handshakes are held
to ``ALLOWED_HOSTS`` and, when a browser sends one, to an allowed Origin
(``chats.realtime.handshake``), as Django holds HTTP requests.
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messaging_app.settings")

# Django must be set up before the consumers (and their models) import.
django_application = get_asgi_application()

import importlib  # noqa: E402

from django.conf import settings  # noqa: E402

# The URLconf, and with it every view, serializer and query module, is loaded
# here as the worker starts: an import error stops the worker at once instead
# of failing its first request, and that request no longer waits for the
# import (65 ms on a quiet 2-core machine, more while .pyc files are written).
importlib.import_module(settings.ROOT_URLCONF)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chats.http.guards import BodyLimit, ConcurrencyLimit  # noqa: E402
from chats.realtime.events import ServingLoop  # noqa: E402
from chats.realtime.handshake import AllowedHostsAndOrigins  # noqa: E402
from chats.realtime.routing import websocket_urlpatterns  # noqa: E402

# ServingLoop: writes in request threads hand their events to this loop.
application = ServingLoop(ProtocolTypeRouter({
    # Overload is refused first, then oversized bodies, before Django reads any.
    "http": ConcurrencyLimit(BodyLimit(django_application)),
    "websocket": AllowedHostsAndOrigins(URLRouter(websocket_urlpatterns)),
}))
