"""The chat page's session: the refresh token in a cookie no script can read.

``POST /api/session/`` signs in (username and password, as ``/api/token/``)
and answers only the access token; the refresh token goes into the cookie
``webchat_refresh``: ``HttpOnly`` (``document.cookie`` does not show it),
``Secure`` (HTTPS only; browsers count ``http://localhost`` and
``http://127.0.0.1`` as secure too), ``SameSite=Strict`` and
``Path=/api/session/cookie/``, so the browser sends it to the two endpoints
below and to nothing else: not to the rest of the API, not to the page.  It
lasts as long as the refresh token, so a new tab, a reload and a browser
restart stay signed in.

``POST /api/session/cookie/refresh/`` trades the cookie for a new access
token and, with rotation, a new cookie (the old token is blacklisted, as
``/api/token/refresh/`` does).  ``POST /api/session/cookie/signout/``
blacklists it, deletes the cookie and closes the sockets of that login
(every tab that shares the cookie).  A refused cookie is deleted.

Cross-site request forgery: all three need the header ``X-Chat-CSRF: 1``,
which a page on another origin cannot send without a CORS preflight that
this server never grants, and refuse a request whose ``Origin`` (or
``Sec-Fetch-Site``) says it came from another site.  ``SameSite=Strict``
keeps the cookie off cross-site requests besides.

Bearer-token clients are unaffected: ``/api/token/`` and
``/api/token/refresh/`` keep their JSON bodies.  The token serializers are
given by the URL configuration (``serializer_class=``), so that this module
imports nothing above ``chats.accounts``.
"""
from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from . import revocation

__all__ = ["COOKIE_NAME", "COOKIE_PATH", "CSRF_HEADER", "CookieSignInView",
           "CookieRefreshView", "CookieSignOutView"]

COOKIE_NAME = "webchat_refresh"
COOKIE_PATH = "/api/session/cookie/"
CSRF_HEADER = "X-Chat-CSRF"
CSRF_VALUE = "1"

CSRF_PARAMETER = OpenApiParameter(
    CSRF_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, enum=[CSRF_VALUE],
    description="Must be `1`: a header that a page on another origin cannot send "
                "(requests without it are a 403 `csrf_failed`).")
COOKIE_PARAMETER = OpenApiParameter(
    COOKIE_NAME, OpenApiTypes.STR, OpenApiParameter.COOKIE, required=False,
    description="The refresh token, set by `POST /api/session/` (HttpOnly, Secure, "
                f"SameSite=Strict, Path={COOKIE_PATH}). Without it the answer is a 401 "
                "`not_signed_in`.")
SET_COOKIE = ("Sets the `webchat_refresh` cookie (`HttpOnly; Secure; SameSite=Strict; "
              f"Path={COOKIE_PATH}`, lasting as long as the refresh token).")


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class AccessSerializer(serializers.Serializer):
    """What the cookie endpoints answer: the access token only."""

    access = serializers.CharField()


class CsrfFailed(PermissionDenied):
    default_code = "csrf_failed"


def allowed_origins(request) -> set:
    """The origins whose pages may call these endpoints: this server's own
    and ``CSRF_TRUSTED_ORIGINS``."""
    own = f"{request.scheme}://{request.get_host()}"
    return {own, *settings.CSRF_TRUSTED_ORIGINS}


def check_same_origin(request) -> None:
    """Raise CsrfFailed unless the request carries the page's header and,
    when the browser says where it comes from, comes from this site."""
    if request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise CsrfFailed(f"The {CSRF_HEADER} header is missing or not {CSRF_VALUE!r}: "
                         "only the chat page (or a client sending it) may use this endpoint.")
    origin = request.headers.get("Origin")
    if origin is not None and origin not in allowed_origins(request):
        raise CsrfFailed(f"Requests from the origin {origin!r} are not accepted here; "
                         "add it to DJANGO_CSRF_TRUSTED_ORIGINS if it serves the chat page.")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise CsrfFailed(f"A {fetch_site} request may not use the session cookie.")


def set_refresh_cookie(response: Response, refresh: str) -> None:
    """Put refresh in the cookie, lasting until the token expires."""
    expires = RefreshToken(refresh, verify=False)["exp"]
    response.set_cookie(COOKIE_NAME, refresh,
                        max_age=max(0, int(expires - timezone.now().timestamp())),
                        path=COOKIE_PATH, secure=True, httponly=True, samesite="Strict")


def delete_refresh_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Strict")
    # delete_cookie sets neither flag; keep the deletion as strict as the cookie.
    response.cookies[COOKIE_NAME]["secure"] = True
    response.cookies[COOKIE_NAME]["httponly"] = True


def refused(detail: str, code: str) -> Response:
    response = Response({"detail": detail, "code": code}, status=status.HTTP_401_UNAUTHORIZED)
    delete_refresh_cookie(response)
    return response


NOT_SIGNED_IN = ("No session cookie came with the request: sign in with POST /api/session/ "
                 "(the cookie is sent only to /api/session/cookie/).")


class CookieView(APIView):
    """No authentication (the cookie is the credential); the CSRF check first."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = None  # the token serializer, given by the URL configuration

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_same_origin(request)

    def get_authenticate_header(self, request):
        # As simplejwt's views: refused credentials are a 401, not a 403.
        return f'{api_settings.AUTH_HEADER_TYPES[0]} realm="api"'


class CookieSignInView(CookieView):
    """``POST /api/session/``: sign in; the refresh token goes into the cookie."""

    @extend_schema(auth=[], request=SignInSerializer, parameters=[CSRF_PARAMETER],
                   summary="Sign in with a session cookie (the chat page)",
                   responses={200: OpenApiResponse(AccessSerializer, description=SET_COOKIE)},
                   description="Sign in as the chat page does: the answer holds the access "
                               "token only; " + SET_COOKIE[0].lower() + SET_COOKIE[1:])
    def post(self, request):
        serializer = self.serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        response = Response({"access": serializer.validated_data["access"]})
        set_refresh_cookie(response, serializer.validated_data["refresh"])
        return response


class CookieRefreshView(CookieView):
    """``POST /api/session/cookie/refresh/``: a new access token (and cookie)."""

    @extend_schema(auth=[], request=None, parameters=[CSRF_PARAMETER, COOKIE_PARAMETER],
                   summary="Refresh the access token from the session cookie",
                   responses={200: OpenApiResponse(
                       AccessSerializer, description="With rotation, " + SET_COOKIE[0].lower()
                       + SET_COOKIE[1:] + " The old token is blacklisted.")},
                   description="Trade the session cookie for a new access token. A refused "
                               "cookie (expired, blacklisted, signed out) is deleted.")
    def post(self, request):
        refresh = request.COOKIES.get(COOKIE_NAME)
        if not refresh:
            return refused(NOT_SIGNED_IN, "not_signed_in")
        serializer = self.serializer_class(data={"refresh": refresh},
                                           context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except (TokenError, InvalidToken) as error:
            return refused(str(getattr(error, "detail", error)), "token_not_valid")
        except serializers.ValidationError:
            return refused("The session cookie is not a token.", "token_not_valid")
        data = serializer.validated_data
        response = Response({"access": data["access"]})
        if "refresh" in data:  # rotated
            set_refresh_cookie(response, data["refresh"])
        return response

    def handle_exception(self, exc):
        # simplejwt's serializer raises AuthenticationFailed for a vanished user:
        # the cookie goes with the 401.
        response = super().handle_exception(exc)
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            delete_refresh_cookie(response)
        return response


class CookieSignOutView(CookieView):
    """``POST /api/session/cookie/signout/``: end the session in every tab."""

    @extend_schema(auth=[], request=None, parameters=[CSRF_PARAMETER, COOKIE_PARAMETER],
                   summary="Sign out of the session cookie, in every tab",
                   responses={204: OpenApiResponse(description=(
                       "Signed out: the refresh token is blacklisted, the cookie deleted and "
                       "the sockets opened by this login closed (code 4401, `logged_out`). "
                       "Also 204 without a cookie or with a token already refused."))},
                   description="Sign out of the chat page, in every tab that shares the "
                               "cookie. Access tokens already issued expire on their own.")
    def post(self, request):
        response = Response(status=status.HTTP_204_NO_CONTENT)
        delete_refresh_cookie(response)
        value = request.COOKIES.get(COOKIE_NAME)
        if not value:
            return response
        try:
            refresh = RefreshToken(value)
            refresh.blacklist()
        except TokenError:
            return response  # already over: nothing left to end
        session_id = refresh.get(revocation.SESSION_CLAIM)
        if session_id:
            revocation.close_sockets(refresh[api_settings.USER_ID_CLAIM], revocation.LOGGED_OUT,
                                     session_id)
        return response
