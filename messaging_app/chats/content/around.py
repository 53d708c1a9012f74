"""``?around=<seq>`` on a conversation's history: the page holding that message.

A search hit names a message by its ``seq``; the chat page opens the
conversation on the page around it, then follows the page's ``previous``
and ``next`` links (ordinary keyset cursors) to load older and newer
messages as the reader scrolls either way.
"""
from rest_framework.exceptions import ValidationError
from rest_framework.utils.urls import remove_query_param

from ..pagination import MessageCursorPagination

AROUND_DESCRIPTION = (
    "The keyset page holding message number `around` (its `seq`), with about as many older "
    "messages before it as newer ones after it (more of one side near either end); the "
    "`previous` and `next` links continue from there.")


class AroundPagination(MessageCursorPagination):
    """MessageCursorPagination that also answers ``?around=<seq>``."""

    params = (*MessageCursorPagination.params, "around")

    def _link(self, direction, message):
        # The links are plain cursors: without ``around``, which would win.
        return remove_query_param(super()._link(direction, message), "around")

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get("around")
        if raw is None:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        try:
            seq = int(raw)
        except ValueError:
            seq = 0
        if seq < 1:
            raise ValidationError(
                {"around": [f"Must be a message's seq (1 or more), got {raw!r}."]}, code="invalid")
        target = queryset.filter(seq=seq).first()
        if target is None:
            raise ValidationError({"around": [f"This conversation has no message {seq}."]},
                                  code="not_found")
        size = self.get_page_size(request)
        older = self.fetch(queryset, "before", target.sent_at, target.pk, size)  # newest first
        newer = self.fetch(queryset, "after", target.sent_at, target.pk, size)  # oldest first
        want_older = (size - 1) // 2
        newer_count = min(len(newer), size - 1 - min(want_older, len(older)))
        older_count = min(len(older), size - 1 - newer_count)
        self.has_older = len(older) > older_count
        self.has_newer = len(newer) > newer_count
        self.rows = [*older[:older_count][::-1], target, *newer[:newer_count]]
        return self.rows
