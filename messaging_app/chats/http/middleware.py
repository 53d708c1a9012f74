"""Request guards that run before any view."""
from django.http import JsonResponse

from .either_mode import EitherModeMiddleware
from .exceptions import NOT_FOUND, error_body


class RejectNullBytesMiddleware(EitherModeMiddleware):
    """Answer 400 to a query string holding a NUL character, and keep API
    404s JSON.

    PostgreSQL cannot store or compare text containing NUL, so such a value
    reaching a filter would raise inside the database driver (a 500).
    With ``DEBUG`` on, Django answers an unmatched URL with its HTML debug
    page instead of ``handler404``; under ``/api/`` that becomes JSON too.
    """

    def call(self, request):
        refused = self.rejected(request)
        if refused is not None:
            return refused
        return self.answer(request, self.get_response(request))

    async def acall(self, request):
        refused = self.rejected(request)
        if refused is not None:
            return refused
        return self.answer(request, await self.get_response(request))

    @staticmethod
    def rejected(request):
        """400 for a NUL in the query string, else None."""
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return JsonResponse(
                error_body("Query parameters must not contain NUL characters.", "invalid_query"),
                status=400)
        return None

    @staticmethod
    def answer(request, response):
        """The response, with an HTML 404 under ``/api/`` turned into JSON."""
        if (response.status_code == 404 and request.path.startswith("/api/")
                and response.get("Content-Type", "").startswith("text/html")):
            return JsonResponse(NOT_FOUND, status=404)
        return response
