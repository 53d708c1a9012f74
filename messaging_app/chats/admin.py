"""Admin screens for users, conversations and messages."""
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Conversation, Message, User
from .services import DirectConversationClosed


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users, with the extra profile fields."""

    list_display = ("username", "email", "first_name", "last_name", "role", "is_active",
                    "created_at")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name", "phone_number")
    ordering = ("username",)
    fieldsets = BaseUserAdmin.fieldsets + (("Profile", {"fields": ("phone_number", "role")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Profile", {"fields": ("email", "first_name", "last_name", "role")}),)


class ConversationForm(forms.ModelForm):
    """The change form; nobody joins a direct conversation (as in the API)."""

    class Meta:
        model = Conversation
        fields = "__all__"

    def clean_participants(self):
        chosen = self.cleaned_data["participants"]
        if self.instance.pk is not None and self.instance.is_direct:
            members = set(self.instance.participants.values_list("pk", flat=True))
            if any(user.pk not in members for user in chosen):
                raise forms.ValidationError(str(DirectConversationClosed.default_detail),
                                            code=DirectConversationClosed.default_code)
        return chosen


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Conversations with their participants.

    Messages are not inlined (a conversation can hold tens of thousands);
    the message list filters by conversation instead.  The owner is shown,
    not edited: it follows the participants (``services.settle_owner``), so removing
    the owner here hands the conversation to the longest-standing member.  A
    direct conversation (``is_direct``, shown) takes nobody new: the form
    refuses it; removing one of its two people frees the pair's key.
    """

    form = ConversationForm
    list_display = ("conversation_id", "title", "is_direct", "owner", "participant_count",
                    "created_at", "last_activity_at")
    list_filter = ("is_direct",)
    list_select_related = ("owner",)
    search_fields = ("conversation_id", "title", "participants__username")
    filter_horizontal = ("participants",)
    date_hierarchy = "created_at"
    readonly_fields = ("is_direct", "owner", "direct_key")

    def get_queryset(self, request):
        from django.db.models import Count
        return super().get_queryset(request).annotate(n_participants=Count("participants"))

    @admin.display(description="participants", ordering="n_participants")
    def participant_count(self, obj):
        return obj.n_participants


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages, searchable by body and sender."""

    list_display = ("message_id", "sender", "conversation", "seq", "short_body", "sent_at",
                    "edited_at", "deleted_at")
    readonly_fields = ("seq", "deleted_at")
    list_filter = ("sent_at",)
    search_fields = ("message_body", "sender__username", "conversation__conversation_id")
    list_select_related = ("sender", "conversation")
    raw_id_fields = ("sender", "conversation")
    date_hierarchy = "sent_at"

    def get_readonly_fields(self, request, obj=None):
        # A message keeps its conversation: its seq is a place in that
        # conversation's sequence (and in its message count).
        if obj is not None:
            return (*self.readonly_fields, "conversation")
        return self.readonly_fields

    @admin.display(description="body")
    def short_body(self, obj):
        return obj.message_body[:60]
