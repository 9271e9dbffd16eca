"""The OpenAPI document and its Swagger UI."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import BaseThrottle

from accounts.authentication import ApiTokenAuthentication
from core.api.authentication import ChineseCsrfSessionAuthentication
from core.api.throttling import AnonymousRateThrottle


class DocsAccess:
    """The OpenAPI document and Swagger UI: public in development; in production (API_DOCS_PUBLIC off, the default
    with DEBUG off) only for a signed-in user or a token, as they map every operation (issue 11 §4)."""

    throttle_classes: Sequence[type[BaseThrottle]] = [AnonymousRateThrottle]

    def get_authenticators(self):
        if settings.API_DOCS_PUBLIC:
            return []
        return [ApiTokenAuthentication(), ChineseCsrfSessionAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if settings.API_DOCS_PUBLIC else [IsAuthenticated()]


class SchemaView(DocsAccess, SpectacularAPIView):
    """The OpenAPI document (it describes the API, it holds no data), throttled like any anonymous call."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:  # the API's JSON error body, not an error rendered as an OpenAPI document
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DocsView(DocsAccess, SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's local files (no CDN on a government intranet). The split view
    serves its start-up script as a file (?script), and our template links a style sheet instead of an inline
    <style>: the Content-Security-Policy allows neither inline script nor inline style."""

    url_name = "api-schema"
    template_name = "api/swagger_ui.html"

    def get_permissions(self):
        return [AllowAny()]  # a person who is not signed in is sent to the login page (get), not given a 401

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)


# --- The schema as a generated client reads it (issue 14) ------------------------------------------------------

API_DESCRIPTION = """网络舆情应对处置平台的 REST API。路径以 `/api/v1/` 开头（`/api/` 暂为其别名，行为相同）。

**认证**：`POST /api/v1/auth/token/` 以用户名和密码换取令牌，之后每个请求带 `Authorization: Token <令牌>`。

**错误**：所有 4xx/5xx 回答均为 RFC 9457 `application/problem+json`：`type`、`title`、`status`、`detail`（中文原因）、
`instance`（请求路径）、稳定的机器可读错误码 `code`，以及字段错误 `errors`（字段名 → 错误列表）。请按 `code` 判断，
不要按中文原因判断。未知的查询参数、不支持的排序字段、超出范围的每页条数均为 400（`code`: `invalid`）。

**列表**：分页（`page` 从 1 开始，`page_size` 默认 50、最大 200）；`ordering` 为逗号分隔的排序字段，前加 `-` 为倒序，
各操作列出可用字段；同值时按 id 排序，翻页不重不漏。

**幂等**：每个 POST 均可带 `Idempotency-Key`（1—255 个可见 ASCII 字符，建议 UUID）。同一用户以同一键重发相同请求，
返回首次的回答（响应头 `Idempotent-Replayed: true`），不会重复执行；同一键用于内容不同的请求返回 422
（`idempotency_key_reused`）；首次请求尚未完成时返回 409（`idempotency_in_progress`）。键保留 24 小时（可配置）。
"""

# Path parameters that are ids (the routes accept digits only): integers to a client, not strings.
ID_PATH_PARAMETERS = {"id", "number"}
MAX_ID = 2**63 - 1
SUCCESS_DESCRIPTIONS = {"200": "成功", "201": "已创建", "202": "已受理", "204": "成功，无内容"}
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "幂等键（1—255 个可见 ASCII 字符，建议 UUID）：重发同一请求时返回首次的回答，不会重复执行。",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
NOT_IDEMPOTENT = {"auth_token_create"}  # a token is a secret: never stored for replay


def only_v1(endpoints, **kwargs):
    """The schema describes /api/v1/; the /api/ alias serves the same views and is not listed twice."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def _integer_ids(operation):
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter["name"] in ID_PATH_PARAMETERS:
            parameter["schema"] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def _named_enums(operation, enum_components):
    """Query filters' choices: a $ref to the component enum with the same values (an ASCII class name in a client),
    else the inline enum without its Chinese title (which a generator would make a class name of)."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if "enum" not in schema:
            continue
        same = enum_components.get(frozenset(schema["enum"]))
        if same:
            parameter["schema"] = {"$ref": f"#/components/schemas/{same}"}
        else:
            schema.pop("title", None)


def _described(operation):
    for code, response in operation.get("responses", {}).items():
        if not response.get("description"):
            response["description"] = SUCCESS_DESCRIPTIONS.get(code, operation.get("summary") or "成功")


def _idempotent(operation, problem):
    if operation.get("operationId") in NOT_IDEMPOTENT:
        return
    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
    responses = operation.setdefault("responses", {})
    for code, description in (
        ("409", "当前状态不允许该操作，或与已有数据冲突，或相同幂等键的请求仍在处理"),
        ("422", "幂等键（Idempotency-Key）已用于内容不同的另一请求"),
    ):
        responses.setdefault(code, {"description": description, "content": {"application/problem+json": problem}})


def _typed_nullables(node):
    """OpenAPI 3.0 wants a `type` beside `nullable`: a nullable reference (allOf [$ref]) is an object."""
    if isinstance(node, dict):
        if node.get("nullable") and "allOf" in node and "type" not in node:
            node["type"] = "object"
        for value in node.values():
            _typed_nullables(value)
    elif isinstance(node, list):
        for value in node:
            _typed_nullables(value)


def finish_schema(result, generator, request, public):
    """Post-processing for generated clients (openapi-python-client): integer path ids, ASCII enum names for
    filters, a description on every answer, the Idempotency-Key header on POSTs, the API's description."""
    result["info"]["description"] = API_DESCRIPTION
    result["info"]["license"] = {"name": "内部使用（网络舆情应对处置平台）"}
    _typed_nullables(result.get("components", {}))
    schemas = result.get("components", {}).get("schemas", {})
    enum_components = {
        frozenset(schema["enum"]): name
        for name, schema in sorted(schemas.items())
        if "enum" in schema and schema.get("type") == "string"
    }
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            _integer_ids(operation)
            _named_enums(operation, enum_components)
            _described(operation)
            operation.setdefault("security", [])  # no credentials (the token endpoint): said, not left out
            if method == "post":
                _idempotent(operation, problem)
    return result
