"""OpenAPI post-processing: document the error responses every endpoint can give."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: a human `detail` and a stable `code`.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Validation errors: field name to messages.",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "code"],
}

ERRORS = {
    "400": "Invalid input, malformed JSON or a bad query parameter.",
    "401": "No credentials, or credentials that are invalid or expired.",
    "403": "Authenticated, but not a participant (or not the message's sender).",
    "404": "No such object, or a malformed id in the URL.",
    "405": "Method not allowed on this path.",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}


def add_error_responses(result, generator, request, public):
    """Add the shared Error component and the error responses to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            extra = {}
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", ())):
                extra["422"] = "The Idempotency-Key was used for a different message."
                if "201" in responses:
                    responses.setdefault("200", {
                        **responses["201"],
                        "description": "A retry: the message this Idempotency-Key sent."})
            if (method in ("put", "patch") and "/messages/{" in path
                    and not path.endswith("/history/")):
                extra["409"] = "The message was deleted; it cannot be edited."
            for code, text in extra.items():
                responses.setdefault(code, {
                    "description": text,
                    "content": {"application/json": {"schema": ref}},
                })
            for code, text in ERRORS.items():
                responses.setdefault(code, {
                    "description": text,
                    "content": {"application/json": {"schema": ref}},
                })
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"},
                                    "description": "Seconds to wait."}}
    return result
