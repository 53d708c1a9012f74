"""Project routes: health probes, admin, the API, browsable-API login, JWT, OpenAPI."""
from django.contrib import admin
from django.urls import path, include
from drf_spectacular.views import (SpectacularAPIView, SpectacularRedocView,
                                   SpectacularSwaggerView)

from chats.auth import ChatTokenObtainPairView, LogoutView, TokenRefreshView
from chats.http.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/token/", ChatTokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/token/logout/", LogoutView.as_view(), name="token_logout"),
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
