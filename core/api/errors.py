"""One place where every API error becomes `{"detail": <Chinese sentence>, "errors": {field: [...]}}`
with the status the contract names: 400 invalid input, 401 unauthenticated, 403 role, 404 not visible,
409 illegal transition, 429 throttled. Errors Django answers itself (a request it refuses before any view, a
bug's 500) get the same JSON body under /api/ and a page elsewhere (handler400/handler500, issue 11 §4)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.template import loader
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.parsers import ChineseParseError
from core.errors import DomainError

INVALID_INPUT = "输入有误，请检查后重试。"
NOT_FOUND = "对象不存在或无权查看。"
PARSE_ERROR = "请求内容格式错误，无法解析。"
SERVER_ERROR = "服务器内部错误，请稍后重试；如持续出现请联系管理员。"


def _first_message(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(errors, list):
        for value in errors:
            found = _first_message(value)
            if found:
                return found
    elif errors:
        return str(errors)
    return None


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "errors": exc.field_errors}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.ParseError) and not isinstance(exc, ChineseParseError):
        # DRF's parse errors are English ("JSON parse error - ..."); the contract wants Chinese.
        exc = exceptions.ParseError(PARSE_ERROR)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let it surface as a 500 where the tests and logs will see it
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = _first_message(errors)
        response.data = {"detail": f"输入有误：{first}" if first else INVALID_INPUT, "errors": errors}
    else:
        response.data = {"detail": str(exc.detail), "errors": {}}
    return response


UNESCAPED = {"ensure_ascii": False}


def _is_api(request):
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    """handler400: a request Django refuses before any view (an oversized or malformed body, too many fields)."""
    if _is_api(request):
        return JsonResponse({"detail": INVALID_INPUT, "errors": {}}, status=400, json_dumps_params=UNESCAPED)
    return HttpResponseBadRequest(loader.get_template("400.html").render())


def server_error(request):
    """handler500: a bug. The exception is still logged (and raised in tests); the caller gets no internals."""
    if _is_api(request):
        return JsonResponse({"detail": SERVER_ERROR, "errors": {}}, status=500, json_dumps_params=UNESCAPED)
    return HttpResponseServerError(loader.get_template("500.html").render())
