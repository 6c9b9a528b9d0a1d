"""Checks every exchange with the sandbox against Debitura's two OpenAPI specs.

`ContractChecker` is an observer for `Sandbox.observers`: it sees each (request, response) pair the
client and the sandbox exchanged and records what breaks the published contract. The test suite
installs one on every sandbox and asserts, at teardown, that nothing was recorded, so every test
doubles as a contract test of both sides.

What counts as a violation:
- a request to an operation that the spec does not have, answered with a 2xx;
- a request the spec rejects (body, content type, typed query parameters) that the sandbox accepted
  with a 2xx (a rejected request is the sandbox doing its job: tests send broken requests on purpose);
- a response whose status is not documented for the operation, whose content type is not one the
  spec lists, or whose body fails the schema for that status and content type.

Where the official spec contradicts Debitura's own documentation, the documented behaviour wins and
the exception is made here, narrowly (one schema or one status, never validation as a whole):
- `KycStatus` is declared as `NotRequired|Pending|Verified`, but its description locks the wire
  format to snake_case (`not_required|pending|verified`): the enum is corrected to the wire values.
- 400 responses are declared as ApiErrorResponseDto, but request validation answers with ASP.NET's
  field-keyed arrays (`{"Cases[0].Debtor.CountryAlpha2": ["..."]}`), as the error reference shows:
  a 400 body may also be an object whose every value is a list of strings.
- `POST /cases/{caseId}/files` declares a 200 without a body, while the docs return
  `{id, fileName, dateCreated}`: that body is checked against a schema of exactly those fields.
- Statuses every operation can answer but the spec leaves out: 401 (no body, the security scheme
  applies to every operation), 429 (the rate-limit body from the rate-limiting page), 500 (an
  ApiErrorResponseDto, as on the operations that do declare it) and 503 (an outage in front of the
  API; the sandbox produces it only as an injected fault).
- 422 on operations that take an `Idempotency-Key` (file upload, KYC) without declaring a 422: the
  idempotency docs answer a reused key with another body with 422 IdempotencyConflict, as an
  ApiErrorResponseDto.
- Request fields typed `date-time` also accept a plain date (`"date": "2025-06-01"` is the docs' own
  example, and ASP.NET's binder reads it), in bodies and in query parameters.
- `returnUrl` longer than its declared 2048 characters is accepted: the docs say invalid values are
  silently dropped, not refused.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.wrappers import Request as WerkzeugRequest

SPEC_FILES: dict[str, str] = {
    "referral-api": "debitura-referral-partner-api.openapi.json",
    "customer-api": "debitura-customer-api.openapi.json",
}
METHODS = ("get", "post", "put", "delete", "patch")

# The corrections described in the module docstring, keyed by schema name.
ENUM_CORRECTIONS: dict[str, list[str]] = {
    "Debitura.Web.ReferralPartnerApi.Models.Clients.KycStatus": ["not_required", "pending", "verified"],
}
FIELD_KEYED_ERRORS: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
RATE_LIMITED_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message", "retryAfter"],
    "properties": {
        "error": {"type": "string", "enum": ["rate_limit_exceeded"]},
        "message": {"type": "string"},
        "retryAfter": {"type": "number"},
    },
    "additionalProperties": False,
}
UPLOADED_FILE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "fileName", "dateCreated"],
    "properties": {
        "id": {"type": "string"},
        "fileName": {"type": "string"},
        "dateCreated": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": False,
}
UNDECLARED_BODIES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("referral-api", "post", "/cases/{caseId}/files"): UPLOADED_FILE_BODY,
}
LENIENT_REQUEST_RULES = frozenset({("returnUrl", "maxLength")})  # (property, validator), see above
API_ERROR_POINTER = "/components/schemas/Debitura.Web.ExternalApi.Contracts.V1.Errors.ApiErrorResponseDto"
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _request_format_checker() -> FormatChecker:
    """The OpenAPI 3.0 formats, except that a `date-time` may also be a plain date (see above)."""
    checker = FormatChecker(formats=())
    checker.checkers = dict(oas30_format_checker.checkers)

    @checker.checks("date-time")
    def _date_or_date_time(value: object) -> bool:
        if isinstance(value, str) and DATE_ONLY.match(value):
            return True
        return oas30_format_checker.conforms(value, "date-time")

    return checker


REQUEST_FORMATS = _request_format_checker()


def default_spec_dir() -> Path:
    """`DEBITURA_SPEC_DIR`, else `shared/reference` beside the repository."""
    override = os.environ.get("DEBITURA_SPEC_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared" / "reference"


@dataclass(frozen=True)
class Violation:
    """One way an exchange broke the contract. Carries no header and no body, so no secret."""

    api: str
    method: str
    path: str
    status: int
    where: str  # request | response
    message: str

    def __str__(self) -> str:
        return f"{self.method} /{self.api}{self.path} -> {self.status}: {self.where}: {self.message}"


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    template: str
    pattern: re.Pattern[str]
    pointer: str  # JSON pointer of the operation inside its spec
    spec: Mapping[str, Any] = field(repr=False)

    @property
    def definition(self) -> Mapping[str, Any]:
        return self.spec["paths"][self.template][self.method]


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}$")


class ApiSpec:
    """One OpenAPI document: operation lookup plus compiled, cached schema validators."""

    def __init__(self, api: str, document: dict[str, Any]) -> None:
        self.api = api
        self.document = _corrected(document)
        self._uri = f"urn:debitura:{api}"
        self._registry = Registry().with_resource(
            self._uri, Resource.from_contents(self.document, default_specification=DRAFT4)
        )
        self._validators: dict[tuple[str, str], Any] = {}
        self.operations = self._operations()

    def _operations(self) -> list[Operation]:
        operations = [
            Operation(
                api=self.api,
                method=method,
                template=template,
                pattern=_template_pattern(template),
                pointer=f"/paths/{_escape_pointer(template)}/{method}",
                spec=self.document,
            )
            for template, item in self.document["paths"].items()
            for method in METHODS
            if method in item
        ]
        # Literal paths win over templated ones (`/v1/Webhooks/test` before `/v1/Webhooks/{id}`).
        return sorted(operations, key=lambda op: (op.template.count("{"), -len(op.template)))

    def find(self, method: str, path: str) -> Operation | None:
        for operation in self.operations:
            if operation.method == method and operation.pattern.match(path):
                return operation
        return None

    def has_path(self, path: str) -> bool:
        return any(operation.pattern.match(path) for operation in self.operations)

    def validator(self, pointer: str, *, direction: str) -> Any:
        """A validator for the schema at `pointer`, built once; `direction` picks readOnly/writeOnly rules."""
        key = (pointer, direction)
        if key not in self._validators:
            if direction == "request":
                validator_class, formats = OAS30WriteValidator, REQUEST_FORMATS
            else:
                validator_class, formats = OAS30ReadValidator, oas30_format_checker
            self._validators[key] = validator_class(
                {"$ref": f"{self._uri}#{pointer}"}, registry=self._registry, format_checker=formats
            )
        return self._validators[key]

    def inline_validator(self, schema: dict[str, Any]) -> Any:
        return OAS30ReadValidator(schema, registry=self._registry, format_checker=oas30_format_checker)


def _corrected(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    for name, values in ENUM_CORRECTIONS.items():
        if name in schemas:
            schemas[name] = {**schemas[name], "enum": values}
    return document


@cache
def _load(spec_dir: str, api: str) -> ApiSpec:
    with open(Path(spec_dir) / SPEC_FILES[api], encoding="utf-8") as handle:
        return ApiSpec(api, json.load(handle))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _describe(error: ValidationError) -> str:
    """A readable reason that never echoes a string value (it could be a secret)."""
    location = "$" + "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    if error.validator in ("required", "additionalProperties", "minProperties", "minItems"):
        return f"{location}: {error.message}"
    return f"{location}: fails {error.validator}={error.validator_value!r} (got {type(error.instance).__name__})"


def _first_errors(validator: Any, instance: Any, limit: int = 3, *, lenient: frozenset[tuple[str, str]] = frozenset()
                  ) -> list[str]:
    errors = [
        error
        for error in validator.iter_errors(instance)
        if not (error.absolute_path and (str(error.absolute_path[-1]), str(error.validator)) in lenient)
    ]
    errors.sort(key=lambda error: [str(part) for part in error.absolute_path])
    return [_describe(error) for error in errors[:limit]]


class ContractChecker:
    """Observer that records every contract violation it sees in `.violations`."""

    def __init__(self, spec_dir: Path | str | None = None) -> None:
        self.spec_dir = str(Path(spec_dir) if spec_dir is not None else default_spec_dir())
        self.violations: list[Violation] = []
        self.exchanges = 0

    def __call__(self, request: requests.PreparedRequest, response: requests.Response) -> None:
        self.observe(request, response)

    def observe(self, request: requests.PreparedRequest, response: requests.Response) -> list[Violation]:
        """Check one exchange; returns (and records) the violations found in it."""
        located = self._locate(request.url or "")
        if located is None:
            return []  # not an API call (hosted pages, control panel)
        api, path = located
        self.exchanges += 1
        found = list(self._check(_load(self.spec_dir, api), request, response, path))
        self.violations.extend(found)
        return found

    def report(self) -> str:
        return "\n".join(str(violation) for violation in self.violations)

    def assert_clean(self) -> None:
        if self.violations:
            raise AssertionError(f"{len(self.violations)} contract violation(s):\n{self.report()}")

    @staticmethod
    def _locate(url: str) -> tuple[str, str] | None:
        """The API and the operation path: the sandbox may sit under any mount prefix."""
        segments = urlsplit(url).path.split("/")
        for index, segment in enumerate(segments):
            if segment in SPEC_FILES:
                return segment, "/" + "/".join(segments[index + 1 :])
        return None

    def _check(
        self, spec: ApiSpec, request: requests.PreparedRequest, response: requests.Response, path: str
    ) -> Iterable[Violation]:
        method = (request.method or "GET").lower()
        status = response.status_code

        def violation(where: str, message: str) -> Violation:
            return Violation(spec.api, method.upper(), path, status, where, message)

        operation = spec.find(method, unquote(path))
        if operation is None:
            if 200 <= status < 300:
                yield violation("request", "no such operation in the spec, yet the sandbox answered it")
            elif status not in (404, 405, 401):
                yield violation("response", "an unknown operation must answer 404 or 405")
            return
        if 200 <= status < 300:
            for message in self._request_problems(spec, operation, request):
                yield violation("request", message)
        for message in self._response_problems(spec, operation, response):
            yield violation("response", message)

    # --- requests ----------------------------------------------------------------------------

    def _request_problems(self, spec: ApiSpec, operation: Operation, request: requests.PreparedRequest) -> list[str]:
        problems = self._query_problems(spec, operation, request.url or "")
        body_spec = operation.definition.get("requestBody")
        raw = request.body.encode() if isinstance(request.body, str) else request.body
        if body_spec is None:
            if raw:
                problems.append("a body was sent to an operation that takes none")
            return problems
        if not raw:
            if body_spec.get("required"):
                problems.append("the required request body is missing")
            return problems
        media = _media_type(request.headers.get("Content-Type"))
        content = body_spec.get("content", {})
        if media not in content:
            return [*problems, f"request content type {media!r} is not one of {sorted(content)}"]
        pointer = f"{operation.pointer}/requestBody/content/{_escape_pointer(media)}/schema"
        instance = self._request_instance(media, raw, request.headers.get("Content-Type", ""))
        if instance is _UNPARSEABLE:
            return [*problems, "the request body is not valid JSON"]
        validator = spec.validator(pointer, direction="request")
        return problems + _first_errors(validator, instance, lenient=LENIENT_REQUEST_RULES)

    @staticmethod
    def _request_instance(media: str, raw: bytes, content_type: str) -> Any:
        if media == "multipart/form-data":
            form = WerkzeugRequest.from_values(data=raw, content_type=content_type, method="POST")
            # Files stand in as strings: the schema says `type: string, format: binary`.
            return {**{key: value for key, value in form.form.items()}, **{key: "<file>" for key in form.files}}
        try:
            return json.loads(raw)
        except ValueError:
            return _UNPARSEABLE

    def _query_problems(self, spec: ApiSpec, operation: Operation, url: str) -> list[str]:
        declared = {
            parameter["name"]: parameter
            for parameter in operation.definition.get("parameters", [])
            if parameter.get("in") == "query"
        }
        pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        problems: list[str] = []
        for name, parameter in declared.items():
            values = [value for key, value in pairs if key.lower() == name.lower()]
            if not values:
                continue
            schema = parameter.get("schema", {})
            index = operation.definition["parameters"].index(parameter)
            pointer = f"{operation.pointer}/parameters/{index}/schema"
            instance = _typed_query_value(spec, schema, values)
            for message in _first_errors(spec.validator(pointer, direction="request"), instance):
                problems.append(f"query parameter {name}: {message}")
        return problems

    # --- responses ---------------------------------------------------------------------------

    def _response_problems(self, spec: ApiSpec, operation: Operation, response: requests.Response) -> list[str]:
        status = response.status_code
        raw = response.content or b""
        media = _media_type(response.headers.get("Content-Type"))
        declared = operation.definition.get("responses", {})
        if str(status) not in declared:
            if status == 422 and _takes_idempotency_key(operation):
                return self._json_problems(spec.validator(API_ERROR_POINTER, direction="response"), media, raw)
            return self._undeclared_status(spec, status, media, raw)
        content = declared[str(status)].get("content")
        if not content:
            undeclared = UNDECLARED_BODIES.get((spec.api, operation.method, operation.template))
            if undeclared is not None and 200 <= status < 300:
                return self._json_problems(spec.inline_validator(undeclared), media, raw)
            return ["the spec declares no body for this status, yet one was sent"] if raw else []
        if media not in content:
            return [f"response content type {media!r} is not one of {sorted(content)}"]
        pointer = f"{operation.pointer}/responses/{status}/content/{_escape_pointer(media)}/schema"
        problems = self._json_problems(spec.validator(pointer, direction="response"), media, raw)
        if problems and status == 400 and not self._json_problems(spec.inline_validator(FIELD_KEYED_ERRORS), media, raw):
            return []
        return problems

    def _undeclared_status(self, spec: ApiSpec, status: int, media: str, raw: bytes) -> list[str]:
        if status == 401:
            return ["a 401 carries no body"] if raw else []
        if status == 429:
            return self._json_problems(spec.inline_validator(RATE_LIMITED_BODY), media, raw)
        if status == 500:
            return self._json_problems(spec.validator(API_ERROR_POINTER, direction="response"), media, raw)
        if status == 503:
            return []
        return [f"status {status} is not documented for this operation"]

    @staticmethod
    def _json_problems(validator: Any, media: str, raw: bytes) -> list[str]:
        if media != "application/json" and not media.endswith("+json") and media != "text/json":
            return [f"expected a JSON body, got content type {media!r}"]
        try:
            instance = json.loads(raw)
        except ValueError:
            return ["the response body is not valid JSON"]
        return _first_errors(validator, instance)


_UNPARSEABLE = object()


def _takes_idempotency_key(operation: Operation) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name", "").lower() == "idempotency-key"
        for parameter in operation.definition.get("parameters", [])
    )


def _typed_query_value(spec: ApiSpec, schema: Mapping[str, Any], values: list[str]) -> Any:
    """Query strings are text; give them the schema's type before validating (form style, exploded)."""
    if schema.get("type") == "array":
        item_schema = _resolve(spec, schema.get("items", {}))
        return [_typed_scalar(item_schema, value) for value in values]
    return _typed_scalar(_resolve(spec, schema), values[-1])


def _resolve(spec: ApiSpec, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node: Any = spec.document
    for token in ref.lstrip("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _typed_scalar(schema: Mapping[str, Any], value: str) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(value) if re.fullmatch(r"[+-]?\d+", value.strip()) else value
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value.strip().lower(), value)
    if schema.get("format") == "date-time" and DATE_ONLY.match(value):
        return f"{value}T00:00:00Z"
    return value
