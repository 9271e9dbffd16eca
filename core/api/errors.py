"""One place where every API error becomes an RFC 9457 problem (`application/problem+json`):

    {"type": "urn:yuqing:problem:<code>", "title": <短标题>, "status": <HTTP status>, "detail": <Chinese sentence>,
     "instance": <the request's path>, "code": <stable machine-readable code>, "errors": {field: [...]}}

`code` is what a client branches on (the domain errors' codes are in core/errors.py, the HTTP ones below);
`errors` holds field errors (an empty object when there are none). Statuses: 400 invalid input, 401
unauthenticated, 403 role, 404 not visible, 409 illegal transition or a request still running under the same
Idempotency-Key, 422 an Idempotency-Key reused for another request, 429 throttled. Errors Django answers itself (a
request it refuses before any view, a bug's 500) get the same body under /api/ and a page elsewhere
(handler400/handler500, issue 11 §4)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.template import loader
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.parsers import ChineseParseError
from core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
INVALID_INPUT = "输入有误，请检查后重试。"
NOT_FOUND = "对象不存在或无权查看。"
PARSE_ERROR = "请求内容格式错误，无法解析。"
SERVER_ERROR = "服务器内部错误，请稍后重试；如持续出现请联系管理员。"

# code → title. Every code an answer of this API can carry (the domain errors' own, core/errors.py, and HTTP's);
# the schema lists them (yuqing/api_docs.py) and a test keeps the two in step.
TITLES = {
    "invalid": "输入有误",
    "parse_error": "请求内容无法解析",
    "not_authenticated": "未登录或未提供令牌",
    "authentication_failed": "令牌无效或已失效",
    "permission_denied": "无权执行该操作",
    "otp_required": "须先完成双因素认证",
    "password_change_required": "须先修改初始密码",
    "otp_enrolment_required": "须先启用双因素认证",
    "not_found": "对象不存在或无权查看",
    "method_not_allowed": "不支持该请求方法",
    "not_acceptable": "无法提供所要求的内容类型",
    "unsupported_media_type": "不支持该请求内容类型",
    "illegal_transition": "当前状态不允许该操作",
    "conflict": "与已有数据冲突",
    "joint_review_required": "须先会商研判（002 第九条）",
    "duplicate_external_id": "来源编号重复",
    "idempotency_in_progress": "相同幂等键的请求正在处理",
    "idempotency_key_reused": "幂等键已用于另一请求",
    "throttled": "请求过于频繁",
    "locked_out": "账号或来源地址已被锁定",
    "unavailable": "暂时无法完成，请稍后重试",
    "server_error": "服务器内部错误",
}


def problem(code, status, detail, instance, errors=None):
    """The body of an error answer."""
    return {
        "type": f"urn:yuqing:problem:{code}",
        "title": TITLES.get(code, TITLES["invalid"]),
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "errors": errors or {},
    }


class ProblemException(exceptions.APIException):
    """An API error with its own code (`default_code`) and Chinese detail."""

    def __init__(self, detail, code, status):
        super().__init__(detail, code)
        self.status_code = status
        self.default_code = code


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


def _instance(context):
    request = context.get("request")
    return request.path if request is not None else ""


def _as_problem(response, code, detail, context, errors=None):
    response.data = problem(code, response.status_code, detail, _instance(context), errors)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = Response(status=exc.status_code)
        return _as_problem(response, exc.code, exc.message, context, exc.field_errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, exceptions.ParseError) and not isinstance(exc, ChineseParseError):
        # DRF's parse errors are English ("JSON parse error - ..."); the contract wants Chinese.
        exc = exceptions.ParseError(PARSE_ERROR)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let it surface as a 500 where the tests and logs will see it
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = _first_message(errors)
        return _as_problem(response, "invalid", f"输入有误：{first}" if first else INVALID_INPUT, context, errors)
    code = exc.default_code if isinstance(exc, exceptions.APIException) else "invalid"
    return _as_problem(response, str(code), str(getattr(exc, "detail", "")), context)


UNESCAPED = {"ensure_ascii": False}


def _is_api(request):
    return request.path.startswith("/api/")


def problem_response(request, code, status, detail):
    """A problem+json answer given outside DRF (middleware, handlers, the lock-out callable)."""
    return JsonResponse(
        problem(code, status, detail, request.path),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params=UNESCAPED,
    )


def bad_request(request, exception=None):
    """handler400: a request Django refuses before any view (an oversized or malformed body, too many fields)."""
    if _is_api(request):
        return problem_response(request, "invalid", 400, INVALID_INPUT)
    return HttpResponseBadRequest(loader.get_template("400.html").render())


def server_error(request):
    """handler500: a bug. The exception is still logged (and raised in tests); the caller gets no internals."""
    if _is_api(request):
        return problem_response(request, "server_error", 500, SERVER_ERROR)
    return HttpResponseServerError(loader.get_template("500.html").render())
