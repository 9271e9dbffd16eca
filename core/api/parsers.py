"""Request bodies the API accepts, checked once for every endpoint before any serializer or service sees them:
text that can be stored (no lone surrogate) and, issue 10 §1, no control character (see core.text). Set as
DRF's DEFAULT_PARSER_CLASSES and on ApiView, so a new endpoint cannot forget it."""

import json

from rest_framework import exceptions, parsers

from core.text import control_character_message, first_control_character

# No request of this API nests deeper than a few levels (a dispatch: object → tickets list → object). Deeper
# bodies (10,000 nested lists, issue 11 §4) are refused before anything walks them recursively.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"请求内容嵌套过深（最多 {MAX_JSON_DEPTH} 层）。"


class ChineseParseError(exceptions.ParseError):
    """A parse error whose (Chinese) detail the API error handler passes on as it is."""


def _too_deep(data, limit=MAX_JSON_DEPTH):
    """Whether parsed JSON nests deeper than `limit`; iterative, so it cannot itself run out of stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False


def _refuse_control_characters(fields):
    """`fields`: (name, value) pairs of the parsed body. A 400 naming each field that holds a control character,
    in the API's usual error shape (core.api.errors), before anything is changed."""
    errors = {}
    for name, value in fields:
        char = first_control_character(value)
        if char:
            key = name if isinstance(name, str) and not first_control_character(name) else "non_field_errors"
            errors.setdefault(key, [control_character_message(char)])
    if errors:
        raise exceptions.ValidationError(errors)


class StrictJSONParser(parsers.JSONParser):
    """JSON that can also be stored: a lone surrogate (valid JSON escape, invalid Unicode) is refused
    here with a 400 rather than failing later in the database driver; so is a control character."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # the decoder gives up on very deep nesting before our own check can run
            raise ChineseParseError(TOO_DEEP) from None
        if _too_deep(data):
            raise ChineseParseError(TOO_DEEP)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError() from None
        _refuse_control_characters(data.items() if isinstance(data, dict) else [("non_field_errors", data)])
        return data


class StrictFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data.lists())
        return data


class StrictMultiPartParser(parsers.MultiPartParser):
    """multipart/form-data (attachments): the text fields checked like any other body; the files are checked by
    content where they are stored (incidents.uploads, in the service)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(parsed.data.lists())
        return parsed
