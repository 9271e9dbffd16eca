"""Request bodies the API accepts, checked once for every endpoint before any serializer or service sees them:
text that can be stored (no lone surrogate) and, issue 10 §1, no control character (see incidents.text). Set as
DRF's DEFAULT_PARSER_CLASSES and on ApiView, so a new endpoint cannot forget it."""

import json

from rest_framework import exceptions, parsers

from .text import control_character_message, first_control_character


def _refuse_control_characters(fields):
    """`fields`: (name, value) pairs of the parsed body. A 400 naming each field that holds a control character,
    in the API's usual error shape (incidents.api_errors), before anything is changed."""
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
        data = super().parse(stream, media_type, parser_context)
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
