"""Domain errors. Each carries the HTTP status the API answers with and a message in Chinese."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message, field_errors=None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class InvalidInput(DomainError):
    status_code = 400


class NotPermitted(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class IllegalTransition(DomainError):
    status_code = 409


class Conflict(DomainError):
    status_code = 409
