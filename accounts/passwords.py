"""Password complexity (等保 2.0 三级 身份鉴别 8.1.4.1 a: 口令具有复杂度要求; ASVS V2.1). Length is Django's
MinimumLengthValidator (12 here); this adds the mix of character classes."""

import string

from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", lambda c: c.isupper()),
    ("小写字母", lambda c: c.islower()),
    ("数字", lambda c: c.isdigit()),
    ("符号", lambda c: c in string.punctuation or not c.isalnum()),
)


class ComplexityValidator:
    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = [label for label, test in CLASSES if any(test(c) for c in password)]
        if len(present) < self.min_classes:
            raise ValidationError(
                "密码须至少包含大写字母、小写字母、数字、符号中的 %(n)d 类（当前只有 %(k)d 类）。",
                code="password_too_simple",
                params={"n": self.min_classes, "k": len(present)},
            )

    def get_help_text(self):
        return f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。"
