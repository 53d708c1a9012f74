"""JWT pieces: token views with extra claims, refresh, logout, a helper."""
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from django.contrib.auth import get_user_model
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView

from .accounts import revocation

__all__ = ["ChatTokenObtainPairSerializer", "ChatTokenObtainPairView", "TokenRefreshView",
           "LogoutView", "get_tokens_for_user"]


class ChatTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Username + password in, access + refresh out; claims carry id, email, role."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["user_id"] = str(user.pk)
        token["email"] = user.email
        token["role"] = user.role
        # Names this login through refreshes, so that its logout closes its sockets.
        token[revocation.SESSION_CLAIM] = revocation.new_session_id()
        return token

    def validate(self, attrs):
        data = super().validate(attrs)
        # As Django's login() does: records last_login and clears the
        # failed-login count (chats.accounts.login_limits).
        request = self.context["request"]
        user_logged_in.send(sender=type(self.user), request=request, user=self.user)
        return data


class TokenPairSerializer(serializers.Serializer):
    """The response of ``POST /api/token/``."""

    refresh = serializers.CharField()
    access = serializers.CharField()


class ChatTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, with a 401 (not a 500) for a user who no longer exists."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            raise AuthenticationFailed(self.error_messages["no_active_account"],
                                       "no_active_account") from None


@extend_schema_view(post=extend_schema(summary="Refresh an access token"))
class TokenRefreshView(BaseTokenRefreshView):
    """``POST /api/token/refresh/``: a new access token (and, rotated, refresh token)."""

    serializer_class = ChatTokenRefreshSerializer


@extend_schema_view(post=extend_schema(summary="Sign in: get an access/refresh pair", auth=[],
                                       responses={200: TokenPairSerializer}))
class ChatTokenObtainPairView(TokenObtainPairView):
    """``POST /api/token/``: obtain an access/refresh pair."""

    serializer_class = ChatTokenObtainPairSerializer


class RefreshTokenSerializer(serializers.Serializer):
    """The refresh token to revoke on logout."""

    refresh = serializers.CharField()


class LogoutView(generics.GenericAPIView):
    """``POST /api/token/logout/``: blacklist a refresh token.

    The token can no longer be refreshed and the sockets opened by this
    login close; access tokens already issued expire on their own (15 minutes).
    """

    serializer_class = RefreshTokenSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(summary="Sign out: revoke a refresh token", auth=[],
                   responses={204: OpenApiResponse(description="Revoked")})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            refresh = RefreshToken(serializer.validated_data["refresh"])
            refresh.blacklist()
        except TokenError as exc:
            return Response({"detail": str(exc), "code": "token_not_valid"},
                            status=status.HTTP_401_UNAUTHORIZED)
        session_id = refresh.get(revocation.SESSION_CLAIM)
        if session_id:
            revocation.close_sockets(refresh[api_settings.USER_ID_CLAIM], revocation.LOGGED_OUT,
                                     session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def get_tokens_for_user(user) -> dict:
    """Return ``{"refresh": ..., "access": ...}`` for user, as the login view would."""
    refresh = ChatTokenObtainPairSerializer.get_token(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}
