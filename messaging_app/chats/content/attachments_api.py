"""Attachments over HTTP: upload (``POST /api/conversations/{id}/attachments/``,
multipart ``file`` and an optional ``message_body`` caption: a new message),
a range of messages' attachments, and authorized downloads
(``/api/attachments/{id}/`` and ``.../thumbnail/``): participants only,
``Content-Disposition``, ``X-Content-Type-Options: nosniff`` and a sandbox CSP."""
from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Attachment, Message, is_blank
from . import attachments
from .ranges import RANGE_PARAMETERS, require_member, seq_range



class TooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "attachment_too_large"


class UnsupportedType(APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_type"


class ThumbnailSerializer(serializers.Serializer):
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class AttachmentSerializer(serializers.Serializer):
    attachment_id = serializers.UUIDField()
    message_id = serializers.UUIDField()
    file_name = serializers.CharField()
    content_type = serializers.CharField(help_text="What the bytes are (sniffed).")
    size = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The authorized download (send your token).")
    thumbnail = ThumbnailSerializer(allow_null=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    message_body = serializers.CharField(required=False, allow_blank=True,
                                         max_length=Message.MAX_BODY_LENGTH)


class RangeAttachmentsSerializer(serializers.Serializer):
    attachments = serializers.DictField(child=AttachmentSerializer(many=True),
                                        help_text="By seq, for the messages that have some.")


class ConversationAttachmentsView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Send a file", operation_id="conversations_attachments_create",
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer,
                   413: OpenApiResponse(description="Larger than the limit "
                                                    "(`attachment_too_large`)."),
                   415: OpenApiResponse(description="Not an allowed type, judged by the bytes "
                                                    "(`unsupported_type`).")},
        description="Sends a new message carrying the file (its `message_body` is the caption, "
                    "or a clip and the file name). At most `ATTACHMENT_MAX_BYTES` (10 MB by "
                    "default; larger is a 413 `attachment_too_large`); PNG, JPEG, GIF, WebP, "
                    "PDF or plain text, decided from the bytes (else a 415 "
                    "`unsupported_type`). Images get `width`, `height` and a thumbnail. The "
                    "file is stored whole or not at all.")
    def post(self, request, conversation_id):
        require_member(request, conversation_id)
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.ATTACHMENT_MAX_BYTES + 64 * 1024:
            raise TooLarge(f"This upload is {declared} bytes; files of at most "
                           f"{settings.ATTACHMENT_MAX_BYTES} bytes are allowed.")
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        caption = upload.validated_data.get("message_body", "").strip()
        if caption and is_blank(caption):
            caption = ""
        try:
            row = attachments.attach(conversation_id=conversation_id, sender=request.user,
                                     upload=upload.validated_data["file"], caption=caption)
        except attachments.TooLarge as error:
            raise TooLarge(str(error)) from None
        except attachments.Refused as error:
            raise UnsupportedType(str(error)) from None
        return Response(attachments.payload(row), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Attachments of a range of messages", operation_id="conversations_attachments",
        parameters=RANGE_PARAMETERS,
        responses=RangeAttachmentsSerializer)
    def get(self, request, conversation_id):
        require_member(request, conversation_id)
        first, last = seq_range(request.query_params)
        rows = (Attachment.objects.filter(
            message__conversation_id=conversation_id,
            message__seq__range=(first, last))
            .select_related("message").order_by("message__seq", "created_at"))
        found: dict = {}
        for row in rows:
            found.setdefault(str(row.message.seq), []).append(attachments.payload(row))
        return Response({"attachments": found})


class AttachmentDownloadView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    thumbnail = False

    @extend_schema(summary="Download an attachment", operation_id="attachments_download",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description=(
                       "The bytes, as an attachment (`Content-Disposition`), with "
                       "`X-Content-Type-Options: nosniff`; participants only."))})
    def get(self, request, attachment_id):
        row = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id)
        require_member(request, row.message.conversation_id)
        key = row.thumbnail_key if self.thumbnail else row.storage_key
        if not key:
            raise ValidationError({"attachment": ["This attachment has no thumbnail."]})
        response = FileResponse(
            attachments.storage().open(key, "rb"),
            content_type="image/png" if self.thumbnail else row.content_type,
            as_attachment=not self.thumbnail, filename=row.file_name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response


class AttachmentThumbnailView(AttachmentDownloadView):
    thumbnail = True

    @extend_schema(summary="An image attachment's thumbnail (PNG)",
                   operation_id="attachments_thumbnail",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, attachment_id):
        return super().get(request, attachment_id)
