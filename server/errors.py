"""One error path for the HTTP API: `ApiError(status, code, **params)` raised anywhere in a request
becomes `{"error": {"code": ..., "message": ...}}` with the status, the message in Chinese by default
or English when the request's Accept-Language prefers it. Messages live in one catalogue keyed by
machine code (the server may not import app/, so it keeps its own small catalogue; the codes are the
contract, clients translate them themselves). Framework errors (validation, 404, 405) are mapped
into the same shape; unexpected exceptions become a 500 "internal" without details."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("server.errors")

MESSAGES: dict[str, tuple[str, str]] = {
    "bad_credentials": ("用户名或密码错误。", "Wrong username or password."),
    "too_many_attempts": ("登录失败次数过多，请 {retry_after} 秒后再试。",
                          "Too many failed logins; try again in {retry_after} s."),
    "not_authenticated": ("请先登录。", "Please log in."),
    "token_expired": ("登录已过期，请重新登录。", "Your login has expired; please log in again."),
    "device_revoked": ("此设备已被停用，请联系管理员。", "This device has been revoked; contact your administrator."),
    "user_disabled": ("账号已停用。", "This account is disabled."),
    "console_only": ("此账号只能在市级控制台（浏览器）中使用。", "This account works only in the city console (browser)."),
    "forbidden": ("您无权进行此操作。", "You are not allowed to do this."),
    "forbidden_scope": ("该记录不在您的管辖范围内。", "This record is outside your jurisdiction."),
    "not_found": ("未找到。", "Not found."),
    "method_not_allowed": ("不支持此请求方法。", "Method not allowed."),
    "invalid_request": ("请求内容有误：{detail}", "Invalid request: {detail}"),
    "malformed_json": ("请求内容不是有效的 JSON。", "The request body is not valid JSON."),
    "body_too_large": ("请求内容过大（上限 {limit} 字节）。", "Request body too large (limit {limit} bytes)."),
    "unsupported_encoding": ("不支持的请求内容编码（仅支持 gzip）。", "Unsupported Content-Encoding (gzip only)."),
    "bad_encoding": ("请求内容无法解压。", "The request body could not be decompressed."),
    "batch_too_large": ("一次最多提交 {limit} 条变更。", "At most {limit} changes per batch."),
    "schema_version_missing": ("请求缺少 X-Schema-Version 头。", "The X-Schema-Version header is missing."),
    "upgrade_required": ("客户端版本过旧（数据版本 {version}），请升级到支持数据版本 {min}–{max} 的版本。",
                         "Client too old (schema {version}); upgrade to one supporting schema {min}–{max}."),
    "server_outdated": ("客户端数据版本 {version} 比服务器新（服务器最高支持 {max}），请联系市级管理员升级服务器。",
                        "The client's schema {version} is newer than this server's ({max}); ask the city admin to upgrade it."),
    "invalid_id_number": ("身份证号码无效。", "Invalid resident ID number."),
    "unknown_region": ("行政区划代码 {region} 不存在。", "Unknown region code {region}."),
    "no_township": ("行政区划 {region} 不属于任何已导入的乡镇。", "Region {region} is in no known township."),
    "bad_api_key": ("渠道密钥无效。", "Invalid channel API key."),
    "case_not_closed": ("该诉求尚未办结，无需重新办理。", "The case is not closed; there is nothing to reopen."),
    "username_taken": ("用户名已存在。", "Username already exists."),
    "conflict": ("操作冲突：{detail}", "Conflict: {detail}"),
    "review_closed": ("该待审事项已处理。", "This review item has already been resolved."),
    "bundle_malformed": ("文件不是有效的离线同步包。", "The file is not a valid offline bundle."),
    "bundle_bad_signature": ("离线同步包签名无效。", "The offline bundle's signature is invalid."),
    "bundle_foreign": ("离线同步包不属于本乡镇或本设备。", "The offline bundle belongs to another township or device."),
    "weak_password": ("密码不符合要求：{detail}", "The password does not meet the policy: {detail}"),
    "reason_required": ("请填写事由。", "A reason is required."),
    "foreign_installation": ("此设备登记在另一个城市服务器上，不能与本服务器同步。请联系管理员确认服务器地址。",
                             "This device is enrolled with another city server and cannot sync with this one; "
                             "check the server address with your administrator."),
    "cursor_too_old": ("本机太久没有同步，服务器已清理了它尚未收到的删除记录；将先上传本机修改，再重新下载全部数据。",
                       "This PC has not synced for too long and the server has collected deletions it never "
                       "received; its changes are uploaded first, then all data is downloaded again."),
    "internal": ("服务器内部错误，请稍后再试。", "Internal server error; please try again later."),
}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")  # e.g. "wipe" on device_revoked

    code: str
    message: str


class ErrorBody(BaseModel):
    """The shape of every error answer (documented for all 4xx in the OpenAPI schema)."""

    error: ErrorDetail


ERROR_RESPONSES = {"4XX": {"model": ErrorBody, "description": "请求被拒绝：error.code 为机器代码，error.message 为说明"}}


def message(code: str, lang: str = "zh", **params: object) -> str:
    zh, en = MESSAGES.get(code, (code, code))
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


class ApiError(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None,
                 extra: dict | None = None, **params: object):
        super().__init__(code)
        self.extra = extra or {}
        self.status = status
        self.code = code
        self.params = params
        self.headers = headers or {}


def lang_of(accept_language: str) -> str:
    """The answer's language for an Accept-Language value: English when its first choice is, else Chinese."""
    first = accept_language.lower().split(",")[0].strip()
    return "en" if first.startswith("en") else "zh"


def request_lang(request: Request) -> str:
    return lang_of(request.headers.get("accept-language", ""))


def error_response(request: Request, status: int, code: str, headers: dict | None = None,
                   extra: dict | None = None, **params: object) -> JSONResponse:
    return error_answer(request_lang(request), status, code, headers, extra, **params)


def error_answer(lang: str, status: int, code: str, headers: dict | None = None,
                 extra: dict | None = None, **params: object) -> JSONResponse:
    """The error answer in `lang` (also for routes served outside FastAPI's router, server.pull_path)."""
    body = {"error": {"code": code, "message": message(code, lang, **params), **(extra or {})}}
    return JSONResponse(body, status_code=status, headers=headers)


def api_error_answer(lang: str, exc: ApiError) -> JSONResponse:
    return error_answer(lang, exc.status, exc.code, exc.headers, exc.extra, **exc.params)


def _validation_detail(exc: RequestValidationError) -> tuple[str, str]:
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return "malformed_json", ""
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return "invalid_request", f"{where}: {first.get('msg', '')}".strip(": ")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return api_error_answer(request_lang(request), exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        code, detail = _validation_detail(exc)
        return error_response(request, 422 if code == "invalid_request" else 400, code, detail=detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_request")
        return error_response(request, exc.status_code, code, detail=str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        if not getattr(exc, "td_answered", False):  # the request middleware answered and logged it already
            log.error("unhandled error", exc_info=exc)
        return error_response(request, 500, "internal")
