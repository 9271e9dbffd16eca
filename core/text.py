"""The text rule for everything a user types (issue 10 §1): no control character gets in. A vertical tab or a
unit separator pasted into a title is invisible on the page but stops python-docx and openpyxl, so the 17:00
日报 and the ledger would fail every time for everyone; it is refused at input, on every form and in the API,
with a message that names the character. Tab, newline and carriage return are ordinary typing and stay."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# C0 controls except \t \n \r, DEL, and the C1 range U+0080–U+009F (XML 1.0, which .docx and .xlsx are, forbids
# most of C0 outright and the rest are never typed on purpose).
CONTROL_CHARS = "".join(
    chr(code) for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if chr(code) not in "\t\n\r"
)
_CONTROL = re.compile(f"[{re.escape(CONTROL_CHARS)}]")


def control_character_message(char):
    return f"不能包含不可见的控制字符（如 U+{ord(char):04X}）。"


def first_control_character(value):
    """The first control character in a string, or in any string (value or key) of parsed JSON; None if clean."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_control_character(key) or first_control_character(item)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for item in value:
            found = first_control_character(item)
            if found:
                return found
    return None


@deconstructible
class ControlCharacterValidator:
    code = "control_character"

    def __call__(self, value):
        char = first_control_character(value)
        if char:
            raise ValidationError(control_character_message(char), code=self.code)

    def __eq__(self, other):
        return isinstance(other, ControlCharacterValidator)


validate_no_control_characters = ControlCharacterValidator()


def install_form_validator():
    """Every Django form text field refuses control characters, by construction: the validator joins the class
    defaults of forms.CharField and of each subclass with defaults of its own (EmailField, URLField, SlugField),
    so hand-written forms, ModelForms of CharField/TextField and the admin's forms all get it, including fields
    written later. forms.CharField inherits Field's shared list, so each class gets a new list, never an append.
    forms.JSONField is a CharField too: the validator looks into the parsed value."""
    classes = [forms.CharField]
    pending = list(forms.CharField.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "default_validators" in cls.__dict__:
            classes.append(cls)
    for cls in classes:
        if validate_no_control_characters not in cls.default_validators:
            cls.default_validators = [*cls.default_validators, validate_no_control_characters]


def cjk_bigrams(value):
    """The set of overlapping two-character pieces of a text with punctuation and spaces dropped: Chinese has no
    spaces between words, so two titles about the same matter share bigrams (食堂 饭菜 变质) even when their
    wording differs. Shared by the duplicate check and the incident search."""
    chars = [c for c in (value or "").lower() if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}
