"""``POST /api/users/me/password/``: change your own password.

The old password is checked through ``authenticate`` with the password
change's own failed-login count (``chats.accounts.login_limits``): wrong
guesses from this signed-in session are limited, and no one else's failed
logins can lock it.  Saving the new hash
revokes the user's refresh tokens, tickets and sockets
(``chats.accounts.revocation``); the answer is a fresh token pair for this client.
"""
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response

from ..auth import TokenPairSerializer, get_tokens_for_user
from .login_limits import PASSWORD_CHANGE, LoginLocked, locked_out
from .serializers import check_password_strength


class PasswordChangeSerializer(serializers.Serializer):
    """Your current password and the new one (Django's password validators)."""

    old_password = serializers.CharField(write_only=True, trim_whitespace=False,
                                         max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, trim_whitespace=False,
                                         max_length=128, style={"input_type": "password"})

    def validate(self, attrs):
        request = self.context["request"]
        user = request.user
        if authenticate(request, username=user.get_username(), password=attrs["old_password"],
                        purpose=PASSWORD_CHANGE) is None:
            if locked_out(request):
                raise LoginLocked(request)
            raise serializers.ValidationError({"old_password": [serializers.ErrorDetail(
                "This is not your current password.", code="wrong_password")]})
        check_password_strength(attrs["new_password"], user, field="new_password")
        return attrs


class PasswordChangeView(generics.GenericAPIView):
    """Change the requester's password; every other login of theirs ends."""

    serializer_class = PasswordChangeSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Change your password", responses={200: TokenPairSerializer},
                   description="Revokes every refresh token, unused WebSocket ticket and "
                               "open socket of yours; answers a new token pair. Access "
                               "tokens already issued expire on their own.")
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        user.set_password(serializer.validated_data["new_password"])
        user.save(update_fields=["password"])
        return Response(get_tokens_for_user(user))
