"""The chat page: one HTML shell; everything else is static files and the public API."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


def content_security_policy(request: HttpRequest) -> str:
    """The page's policy: scripts, styles and images from this origin only,
    network calls to this origin and its WebSocket, no plugins, no framing.

    A message body that somehow reached the DOM as markup could then neither
    run inline script nor load anything from elsewhere.
    """
    socket_origin = ("wss://" if request.is_secure() else "ws://") + request.get_host()
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src 'self' {socket_origin}",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


@require_safe
def chat_page(request: HttpRequest, conversation_id=None) -> HttpResponse:
    """``/`` and ``/c/<conversation id>/``: the same shell; the script reads the path.

    The page holds no data and no secret: it signs in and loads everything
    through the API, so it can be served to anyone.
    """
    response = render(request, "webchat/index.html")
    response["Content-Security-Policy"] = content_security_policy(request)
    response["Cache-Control"] = "no-cache"
    return response
