"""Domain errors. Each carries the HTTP status the API answers with, a message in Chinese and a stable
machine-readable `code` (the `code` member of the API's problem+json body, core/api/errors.py): a client branches
on the code, never on the wording. A service may name a more specific code for one case (`code=`)."""


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    title = "输入有误"

    def __init__(self, message, field_errors=None, *, code=None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        if code:
            self.code = code


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"
    title = "输入有误"


class NotPermitted(DomainError):
    status_code = 403
    code = "permission_denied"
    title = "无权执行该操作"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    title = "对象不存在或无权查看"


class IllegalTransition(DomainError):
    status_code = 409
    code = "illegal_transition"
    title = "当前状态不允许该操作"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    title = "与已有数据冲突"
