"""Page-number pagination (the contract) and keyset cursors for chat clients."""
import base64
import binascii
import json
import uuid
from datetime import UTC

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .models import MESSAGE_ORDERING, NEWEST_FIRST


def checked_page_size(request, paginator) -> int:
    """``?page_size=`` of request, capped at ``paginator.max_page_size``, or
    ``paginator.page_size`` when absent.  Raise ValidationError (400,
    naming ``page_size``) for anything but a positive integer."""
    raw = request.query_params.get(paginator.page_size_query_param)
    if raw is None:
        return paginator.page_size
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise ValidationError({paginator.page_size_query_param: [
            "A positive integer is required."]})
    return min(size, paginator.max_page_size)


def page_response(results, paginator, head=None) -> Response:
    """A page: ``head`` (e.g. ``{"count": ...}``), the ``next`` and
    ``previous`` links of paginator, then ``results``."""
    return Response({**(head or {}), "next": paginator.get_next_link(),
                     "previous": paginator.get_previous_link(), "results": results})


class MessagePagination(PageNumberPagination):
    """``?page=N`` with a total ``count``: 20 per page, ``?page_size=`` up to
    100 (``checked_page_size``); every list's page-size rule.

    The count is the object list's ``count()``: a queryset's COUNT, or what
    ``queries.DeferredJoinPages`` is told.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        return checked_page_size(request, self)

    def get_paginated_response(self, data):
        return page_response(data, self, {"count": self.page.paginator.count})

    def get_paginated_response_schema(self, schema):
        # Only ``results`` is promised: the nested message list answers with
        # the cursor shape (no ``count``) when a cursor parameter is given.
        spec = super().get_paginated_response_schema(schema)
        spec["required"] = ["results"]
        return spec


# The annotation by which a page's rows say how many rows the whole list holds.
LIST_TOTAL = "list_total"


class TotalOnRowsPaginator(Paginator):
    """A Paginator whose page query also brings the total.

    Each row of the object list carries ``LIST_TOTAL``, the length of the
    whole list (``queries.conversation_pages`` annotates it), so a page
    costs one query instead of a COUNT and a SELECT.  An empty page (an
    empty list, or a number past the end) falls back on Paginator's own
    COUNT and checks.
    """

    def page(self, number):
        try:
            first = (int(number) - 1) * self.per_page
        except (TypeError, ValueError):
            return super().page(number)  # not a number: Paginator says so
        if first >= 0:
            rows = self.object_list[first:first + self.per_page]
            if rows:
                self.count = getattr(rows[0], LIST_TOTAL)  # instead of a COUNT query
                return Page(rows, int(number), self)
        return super().page(number)


class ConversationPagination(PageNumberPagination):
    """Numbered pages of the conversation list, sized as message pages are:
    the total comes with the page (``TotalOnRowsPaginator``)."""

    page_size = MessagePagination.page_size
    page_size_query_param = MessagePagination.page_size_query_param
    max_page_size = MessagePagination.max_page_size
    django_paginator_class = TotalOnRowsPaginator

    def get_page_size(self, request) -> int:
        return checked_page_size(request, self)

    def get_paginated_response(self, data):
        return page_response(data, self, {"count": self.page.paginator.count})


class MessageCursorPagination(BasePagination):
    """Keyset pages over ``(sent_at, message_id)``: no COUNT, no OFFSET.

    A page is chosen by one of:

    - ``?cursor=`` (empty) or ``?cursor=latest``: the newest page;
    - ``?before=<message_id>`` / ``?after=<message_id>``: the page just older
      / newer than that message;
    - ``?cursor=<token>``: a ``next`` (newer) or ``previous`` (older) link.

    Results are oldest first inside a page.  Every page costs one indexed
    query however deep it is, and a message inserted meanwhile never shifts
    a page boundary.
    """

    page_size = MessagePagination.page_size
    page_size_query_param = MessagePagination.page_size_query_param
    max_page_size = MessagePagination.max_page_size
    cursor_query_param = "cursor"
    params = ("cursor", "before", "after")

    @classmethod
    def wanted(cls, request) -> bool:
        """Return True if the request asks for cursor pagination."""
        return any(name in request.query_params for name in cls.params)

    def get_page_size(self, request) -> int:
        return checked_page_size(request, self)

    @staticmethod
    def encode(direction: str, message) -> str:
        raw = json.dumps([direction, message.sent_at.isoformat(), str(message.message_id)])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, token: str):
        """Return (direction, sent_at, message_id) from a cursor token."""
        try:
            if len(token) > 4096:  # a real token is about 120 characters
                raise ValueError(len(token))
            padded = token + "=" * (-len(token) % 4)
            direction, sent_at, message_id = json.loads(base64.urlsafe_b64decode(padded))
            when = parse_datetime(sent_at)
            if direction not in ("before", "after") or when is None or when.tzinfo is None:
                raise ValueError(direction)
            # In UTC before it reaches SQL: PostgreSQL refuses offsets beyond
            # 15:59, and 9999-12-31 at -23:59 is past the last date there is.
            return direction, when.astimezone(UTC), uuid.UUID(message_id)
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError,
                RecursionError):  # json.loads on deeply nested brackets
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None

    def anchor(self, queryset, request):
        """Return (direction, sent_at, message_id), or (direction, None, None)."""
        for direction in ("before", "after"):
            raw = request.query_params.get(direction)
            if raw is None:
                continue
            try:
                message_id = uuid.UUID(raw)
            except ValueError:
                raise ValidationError({direction: ["Must be a message id."]}) from None
            sent_at = queryset.filter(pk=message_id).values_list("sent_at", flat=True).first()
            if sent_at is None:
                raise ValidationError({direction: ["No message with this id here."]})
            return direction, sent_at, message_id
        token = request.query_params.get(self.cursor_query_param, "")
        if token in ("", "latest"):
            return "before", None, None
        return self.decode(token)

    @staticmethod
    def keyset_filter(queryset, direction: str, sent_at, message_id):
        """Keep the messages after (or before) ``(sent_at, message_id)``, the
        position in ``MESSAGE_ORDERING``.

        The redundant sent_at bound lets the (conversation, sent_at, ...) index
        seek straight to the cursor; with the OR alone, SQLite scans from the
        end of the conversation (page 500 then costs 30x page 1).
        """
        if direction == "after":
            newer = Q(sent_at__gt=sent_at) | Q(sent_at=sent_at, message_id__gt=message_id)
            return queryset.filter(newer, sent_at__gte=sent_at)
        older = Q(sent_at__lt=sent_at) | Q(sent_at=sent_at, message_id__lt=message_id)
        return queryset.filter(older, sent_at__lte=sent_at)

    def fetch(self, queryset, direction: str, sent_at, message_id, limit: int) -> list:
        """Up to ``limit`` messages next to the anchor: oldest first when
        going after it, newest first when going before (or from the end)."""
        if sent_at is not None:
            queryset = self.keyset_filter(queryset, direction, sent_at, message_id)
        if direction == "after":
            return list(queryset.order_by(*MESSAGE_ORDERING)[:limit])
        return list(queryset.order_by(*NEWEST_FIRST)[:limit])

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        direction, sent_at, message_id = self.anchor(queryset, request)
        rows = self.fetch(queryset, direction, sent_at, message_id, size + 1)
        if direction == "after":
            self.has_newer = len(rows) > size
            rows = rows[:size]
            self.has_older = True
        else:
            self.has_older = len(rows) > size
            rows = rows[:size][::-1]
            self.has_newer = sent_at is not None
        self.rows = rows
        return rows

    def _link(self, direction, message):
        url = self.request.build_absolute_uri()
        for name in ("before", "after"):
            url = remove_query_param(url, name)
        return replace_query_param(url, self.cursor_query_param, self.encode(direction, message))

    def get_next_link(self):
        if self.rows and self.has_newer:
            return self._link("after", self.rows[-1])
        return None

    def get_previous_link(self):
        if self.rows and self.has_older:
            return self._link("before", self.rows[0])
        return None

    def get_paginated_response(self, data):
        return page_response(data, self)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
