"""Project routes: health probes, admin, the API, browsable-API login, JWT, the chat
page's cookie session, OpenAPI."""
from django.contrib import admin
from django.urls import path, include
from drf_spectacular.views import (SpectacularAPIView, SpectacularRedocView,
                                   SpectacularSwaggerView)

from chats.accounts.cookie_session import CookieRefreshView, CookieSignInView, CookieSignOutView
from chats.auth import (ChatTokenObtainPairSerializer, ChatTokenObtainPairView,
                        ChatTokenRefreshSerializer, LogoutView, TokenRefreshView)
from chats.http.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/token/", ChatTokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/token/logout/", LogoutView.as_view(), name="token_logout"),
    # The chat page's session: the refresh token in an HttpOnly cookie.
    path("api/session/", CookieSignInView.as_view(
        serializer_class=ChatTokenObtainPairSerializer), name="session_signin"),
    path("api/session/cookie/refresh/", CookieRefreshView.as_view(
        serializer_class=ChatTokenRefreshSerializer), name="session_refresh"),
    path("api/session/cookie/signout/", CookieSignOutView.as_view(), name="session_signout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("chats.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("webchat.urls")),
]

handler400 = "chats.http.exceptions.bad_request"
handler404 = "chats.http.exceptions.not_found"
handler500 = "chats.http.exceptions.server_error"
