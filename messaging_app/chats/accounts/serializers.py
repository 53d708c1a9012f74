"""Accounts as the API reads and writes them: the public view of a user,
your own account, sign-up, and the password-strength check."""
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

from ..models import USERNAME_TAKEN, User
from ..payloads import public_user
from ..queries import PUBLIC_USER_FIELDS
from .usernames import username_key

EMAIL_TAKEN = "A user with this email already exists."


def check_password_strength(password: str, user, field: str) -> None:
    """Run Django's password validators for user; a weak password is a 400
    naming ``field`` (code ``weak_password``)."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({field: list(exc.messages)},
                                          code="weak_password") from None


def conflict(data: dict, exclude_pk=None) -> serializers.ValidationError:
    """The 400 for an account write that a unique constraint refused: which of
    username and email another account now holds."""
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    errors = {}
    if "username" in data and others.filter(
            username_key=username_key(data["username"])).exists():
        errors["username"] = [serializers.ErrorDetail(USERNAME_TAKEN, code="unique")]
    if "email" in data and others.filter(email__iexact=data["email"]).exists():
        errors["email"] = [serializers.ErrorDetail(EMAIL_TAKEN, code="unique")]
    return serializers.ValidationError(errors or {"non_field_errors": [serializers.ErrorDetail(
        "Another account was just saved with these details; try again.", code="unique")]})


class UserFieldsSerializer(serializers.ModelSerializer):
    """A user's public fields (``PUBLIC_USER_FIELDS``) and ``full_name``."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [*PUBLIC_USER_FIELDS, "full_name"]
        read_only_fields = fields

    def get_full_name(self, obj) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()


class UserSerializer(UserFieldsSerializer):
    """The public view of a user: what other people may see.

    ``to_representation`` is ``payloads.public_user`` (a list page renders
    dozens of users); a test checks it equals DRF's generic output.
    """

    def to_representation(self, instance):
        return public_user(instance)


class MeSerializer(UserFieldsSerializer):
    """The requester's own account: the public fields and the private ones."""

    class Meta(UserFieldsSerializer.Meta):
        fields = UserFieldsSerializer.Meta.fields + [
            "email", "phone_number", "role", "created_at"]
        read_only_fields = ["user_id", "username", "full_name", "role", "created_at"]

    def validate_email(self, value: str) -> str:
        taken = User.objects.filter(email__iexact=value).exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(EMAIL_TAKEN, code="unique")
        return value

    def update(self, instance, validated_data):
        try:
            with transaction.atomic():
                return super().update(instance, validated_data)
        except IntegrityError:
            raise conflict(validated_data, exclude_pk=instance.pk) from None


class UserRegistrationSerializer(serializers.ModelSerializer):
    """Sign-up: the password is write-only, checked by Django's validators, hashed."""

    password = serializers.CharField(write_only=True, trim_whitespace=False,
                                     max_length=128, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)

    class Meta:
        model = User
        fields = ["user_id", "username", "email", "first_name", "last_name",
                  "phone_number", "password"]
        read_only_fields = ["user_id"]

    def validate_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(EMAIL_TAKEN, code="unique")
        return value

    def validate_username(self, value: str) -> str:
        """Unique after NFKC, case folding and the confusables skeleton."""
        if User.objects.filter(username_key=username_key(value)).exists():
            raise serializers.ValidationError(USERNAME_TAKEN, code="unique")
        return value

    def validate(self, attrs):
        candidate = User(**{k: v for k, v in attrs.items() if k != "password"})
        check_password_strength(attrs["password"], candidate, field="password")
        return attrs

    def create(self, validated_data):
        # The checks above can race with another sign-up; the database's
        # unique constraints decide, and the loser gets the same 400.
        try:
            with transaction.atomic():
                return User.objects.create_user(**validated_data)
        except IntegrityError:
            raise conflict(validated_data) from None

    def to_representation(self, instance):
        return MeSerializer(instance, context=self.context).data
