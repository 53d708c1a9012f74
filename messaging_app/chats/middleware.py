"""Request guards that run before any view."""
from django.http import JsonResponse


class RejectNullBytesMiddleware:
    """Answer 400 to a query string holding a NUL character.

    PostgreSQL cannot store or compare text containing NUL, so such a value
    reaching a filter would raise inside the database driver (a 500).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return JsonResponse(
                {"detail": "Query parameters must not contain NUL characters.",
                 "code": "invalid_query"},
                status=400,
            )
        return self.get_response(request)
