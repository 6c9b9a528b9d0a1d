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

Where the official spec contradicts Debitura's own documentation, the documented behaviour wins.
`documented_spec()` patches exactly those places into a copy of the spec (one schema or one status
at a time, never validation as a whole); the fuzz test runs against the same patched copy:
- `KycStatus` is declared as `NotRequired|Pending|Verified`, but its description locks the wire
  format to snake_case (`not_required|pending|verified`): the enum gets the wire values.
- 400 responses are declared as ApiErrorResponseDto, but request validation answers with ASP.NET's
  field-keyed arrays (`{"Cases[0].Debtor.CountryAlpha2": ["..."]}`), as the error reference shows:
  a 400 body may be either.
- `POST /cases/{caseId}/files` (Referral API) declares a 200 without a body, while the docs return
  `{id, fileName, dateCreated}`: that body is declared.
- `POST /test/cases/{id}/advance` (Customer API) declares its 400 and 404 without a body, while its own
  walkthrough expects "400 with a message describing the conflict": both carry ApiErrorResponseDto.
- `DELETE /clients/{externalTenantId}` declares no 422, while the reset guide answers a client with
  blockers with 422: it is declared (ApiErrorResponseDto, one business error per blocker).
- Statuses every operation can answer but the spec leaves out: 401 (no body; the security scheme
  applies to every operation), 429 (the rate-limit body from the rate-limiting page), 500 and 503
  (ApiErrorResponseDto, as on the operations that declare a 500; the sandbox answers 503 only as an
  injected fault).
- 422 on operations that take an `Idempotency-Key` but declare no 422 (file upload, KYC): the
  idempotency docs answer a reused key with another body with 422 IdempotencyConflict.
- 400 on operations that take a body but declare no 400 (KYC submission): ASP.NET answers field
  validation with a 400 on every such operation, and the docs list the KYC field rules.
- Query filters over an integer enum (`RevenueStages`, `CommissionPaymentStatuses`, …) also take
  the members' names: ASP.NET's enum binder reads both, and the docs name the members.
- Nested objects declared as plain `$ref`s (`signingHandoff`, `collectionPartner`, `assignedUser`,
  `kycVerification`, `verificationStatus`, `caseResults`, `potentialRevenue`, `onboardingUser`)
  may be null: seed 003 says "when everything is already signed, signingHandoff is null", the
  KYC review state is null while unreviewed, and ASP.NET writes every absent object as null. On the
  Customer API, `action` (GET /tasks: "Tasks without an action are `action: null`") and a chat
  message's `user` (a system notice has no author) are null the same way.
Request-side allowances applied while checking requests:
- fields typed `date-time` also accept a plain date (`"date": "2025-06-01"` is the docs' own example,
  and ASP.NET's binder reads it), in bodies and in query parameters;
- a `returnUrl` longer than its declared 2048 characters is accepted: the docs say invalid values are
  silently dropped, not refused;
- array query parameters may come as one comma-separated value as well as repeated keys (the
  Customer API's `GET /cases` describes its `Ids`, `Statuses`, … filters as comma-separated);
- properties a request schema does not declare are accepted (its `additionalProperties: false`
  describes the model, but ASP.NET's JSON binder ignores unknown members, and so does the sandbox).

Behaviour the sandbox chose where the sources leave room, with no schema to patch (the README's
"Where the sandbox differs" lists the same):
- names (`client.name`, `users[].name`, `debtor.name`, `debtor.contactPerson`) are limited to 300
  characters, the sandbox's storage size; the spec sets no maxLength on them. `externalTenantId` is
  limited to 255, the spec's limit on the token request, since a longer one could never mint a token.
  Every other length limit is the spec's own.
- a valid ISO 4217 code outside the sandbox's FX table is refused (400 "Invalid currency code"): the
  sandbox cannot price it in USD.
- the other-partner 409 comes in both documented spellings: `ClientAlreadyLinkedToAnotherPartner` for an
  account linked to another partner, `AlreadyLinkedToAnotherPartner` for `@other-partner.example`.
- unsigned contracts without `allowPendingContracts` answer 422 `MissingDebtCollectionContract` /
  `MissingPowerOfAttorney` with their `solutionUrl`s (the case-submission guide); the type
  `PendingContractSigning` (the troubleshooting page's name for the same situation) is never sent.
- operations the dashboard does not use are not simulated (404): on the Customer API coverage,
  divisions, `/me`, `/Payments`, exclusive periods, the Customer API's own webhooks and the other
  `/test/...` endpoints; `POST /cases/{id}/files` on the Customer API (files go up through the
  Referral API).
- the sandbox is a test environment: the test-only operations never answer 403.
- chat roles: `ChatRole` is an unnamed integer enum; 0 is the creditor's users, 1 the collection
  partner, 2 a system notice (`roleLabel` "Creditor", "Partner", "System").
- tasks: `solutionUrl`s point at the Creditor app's pages (`{ui}/Creditor/...`), which the sandbox does
  not host; account-level tasks (SignContract, AssignBankAccount) are opened and solved from the
  control panel; MoreInfoNeeded solves when the case leaves "More Info Required" (a chat reply alone
  does not move it); quotes are read only (a winner is chosen through `domain.select_winner`).
- `GET /cases`: `DebtorIds` and `DivisionIds` match no case (the sandbox keeps neither); a file's
  `url` and the contract status's `termsUrl` are null (the sandbox serves no downloads); every file's
  `documentType` is `OriginalInvoice`.
- `POST /test/cases/{id}/advance` fires the Referral API's webhooks (`case.updated`, `case.closed`);
  the Customer API's own webhook events (`payment.created`, …) are not simulated.
- the onboarding URL is the same on every `POST /clients` for a link (`{ui}/onboarding/companydetails/
  {linkId}`): the docs call it "fresh", and it always resumes where onboarding stands.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
API_ERROR = "#/components/schemas/Debitura.Web.ExternalApi.Contracts.V1.Errors.ApiErrorResponseDto"
KYC_STATUS = "Debitura.Web.ReferralPartnerApi.Models.Clients.KycStatus"
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
NULLABLE_NESTED = frozenset(
    {
        "signingHandoff",
        "collectionPartner",
        "assignedUser",
        "kycVerification",
        "verificationStatus",
        "caseResults",
        "potentialRevenue",
        "onboardingUser",
        "action",
        "user",
    }
)
LENIENT_REQUEST_RULES = frozenset({("returnUrl", "maxLength")})  # (property, validator)
LENIENT_REQUEST_VALIDATORS = frozenset({"additionalProperties"})
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def default_spec_dir() -> Path:
    """`DEBITURA_SPEC_DIR`, else `shared/reference` beside the repository."""
    override = os.environ.get("DEBITURA_SPEC_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared" / "reference"


# --- the documented spec -------------------------------------------------------------------------


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _takes_idempotency_key(operation: Mapping[str, Any]) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name", "").lower() == "idempotency-key"
        for parameter in operation.get("parameters", [])
    )


def documented_spec(api: str, spec_dir: Path | str | None = None) -> dict[str, Any]:
    """The official spec of `api` with Debitura's documented behaviour patched in.

    The module docstring lists every patch, and the behaviour choices that need none.
    """
    with open(Path(spec_dir or default_spec_dir()) / SPEC_FILES[api], encoding="utf-8") as handle:
        document = json.load(handle)
    schemas = document.get("components", {}).get("schemas", {})
    if KYC_STATUS in schemas:
        schemas[KYC_STATUS] = {**schemas[KYC_STATUS], "enum": ["not_required", "pending", "verified"]}
    for schema in schemas.values():
        properties = schema.get("properties", {})
        for name in NULLABLE_NESTED & properties.keys():
            if set(properties[name]) == {"$ref"}:
                properties[name] = {"anyOf": [properties[name], {"enum": [None]}]}
    api_error = {"$ref": API_ERROR}
    for template, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            _enum_filters_take_names(operation, schemas)
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "Invalid request.", "content": _json_body(api_error)})
            for media in responses.get("400", {}).get("content", {}).values():
                media["schema"] = {"anyOf": [media["schema"], FIELD_KEYED_ERRORS]}
            responses.setdefault("401", {"description": "Missing or wrong credentials; no body."})
            responses.setdefault("429", {"description": "Rate limited.", "content": _json_body(RATE_LIMITED_BODY)})
            responses.setdefault("500", {"description": "Unexpected error.", "content": _json_body(api_error)})
            responses.setdefault("503", {"description": "Unavailable.", "content": _json_body(api_error)})
            if _takes_idempotency_key(operation):
                responses.setdefault("422", {"description": "Idempotency conflict.", "content": _json_body(api_error)})
            if (api, method, template) == ("customer-api", "post", "/test/cases/{id}/advance"):
                for status in ("400", "404"):
                    responses[status] = {**responses[status], "content": _json_body(api_error)}
            if (api, method, template) == ("referral-api", "delete", "/clients/{externalTenantId}"):
                responses.setdefault("422", {"description": "Deletion blocked.", "content": _json_body(api_error)})
            if (api, method, template) == ("referral-api", "post", "/cases/{caseId}/files"):
                responses["200"] = {**responses["200"], "content": _json_body(copy.deepcopy(UPLOADED_FILE_BODY))}
    return document


ENUM_MEMBER_NAME: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z]+$"}


def _enum_filters_take_names(operation: dict[str, Any], schemas: Mapping[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        items = parameter.get("schema", {}).get("items", {})
        target = schemas.get(items.get("$ref", "").rsplit("/", 1)[-1], {})
        if parameter.get("in") == "query" and target.get("type") == "integer" and "enum" in target:
            parameter["schema"]["items"] = {"anyOf": [items, ENUM_MEMBER_NAME]}


# --- schema lookup -------------------------------------------------------------------------------


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
    method: str
    template: str
    pattern: re.Pattern[str]
    pointer: str  # JSON pointer of the operation inside its spec
    definition: Mapping[str, Any] = field(repr=False)


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "$")


class ApiSpec:
    """One documented spec: operation lookup plus compiled, cached schema validators."""

    def __init__(self, api: str, document: dict[str, Any]) -> None:
        self.api = api
        self.document = document
        self._uri = f"urn:debitura:{api}"
        self._registry = Registry().with_resource(
            self._uri, Resource.from_contents(document, default_specification=DRAFT4)
        )
        self._validators: dict[tuple[str, str], Any] = {}
        operations = [
            Operation(
                method,
                template,
                _template_pattern(template),
                f"/paths/{_escape_pointer(template)}/{method}",
                item[method],
            )
            for template, item in document["paths"].items()
            for method in METHODS
            if method in item
        ]
        # Literal paths win over templated ones (`/v1/Webhooks/test` before `/v1/Webhooks/{id}`).
        self.operations = sorted(operations, key=lambda op: (op.template.count("{"), -len(op.template)))

    def find(self, method: str, path: str) -> Operation | None:
        return next((op for op in self.operations if op.method == method and op.pattern.match(path)), None)

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

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if not ref:
            return schema
        node: Any = self.document
        for token in ref.removeprefix("#/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node


@cache
def _load(spec_dir: str, api: str) -> ApiSpec:
    return ApiSpec(api, documented_spec(api, spec_dir))


# --- describing problems -------------------------------------------------------------------------


def _describe(error: ValidationError) -> str:
    """A readable reason that never echoes a string value (it could be a secret)."""
    location = "$" + "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    if error.validator in ("required", "additionalProperties", "minProperties", "minItems"):
        return f"{location}: {error.message}"
    if error.validator == "anyOf":
        return f"{location}: matches none of the documented shapes"
    return f"{location}: fails {error.validator}={error.validator_value!r} (got {type(error.instance).__name__})"


def _first_errors(
    validator: Any,
    instance: Any,
    limit: int = 3,
    *,
    lenient: frozenset[tuple[str, str]] = frozenset(),
    lenient_validators: frozenset[str] = frozenset(),
) -> list[str]:
    errors = [
        error
        for error in validator.iter_errors(instance)
        if str(error.validator) not in lenient_validators
        and not (error.absolute_path and (str(error.absolute_path[-1]), str(error.validator)) in lenient)
    ]
    errors.sort(key=lambda error: [str(part) for part in error.absolute_path])
    return [_describe(error) for error in errors[:limit]]


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


_UNPARSEABLE = object()


# --- the checker ---------------------------------------------------------------------------------


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

        # Matched still encoded: a decoded `/` inside one parameter would look like two segments.
        operation = spec.find(method, path)
        if operation is None:
            if 200 <= status < 300:
                yield violation("request", "no such operation in the spec, yet the sandbox answered it")
            elif status not in (401, 404, 405):
                yield violation("response", "an unknown operation must answer 404 or 405")
            return
        if 200 <= status < 300:
            for message in self._request_problems(spec, operation, request):
                yield violation("request", message)
        for message in self._response_problems(spec, operation, response):
            yield violation("response", message)

    # requests

    def _request_problems(self, spec: ApiSpec, operation: Operation, request: requests.PreparedRequest) -> list[str]:
        problems = self._query_problems(spec, operation, request.url or "")
        body_spec = operation.definition.get("requestBody")
        raw = request.body.encode() if isinstance(request.body, str) else request.body
        if body_spec is None:
            return problems + (["a body was sent to an operation that takes none"] if raw else [])
        if not raw:
            return problems + (["the required request body is missing"] if body_spec.get("required") else [])
        content_type = request.headers.get("Content-Type", "")
        media = _media_type(content_type)
        content = body_spec.get("content", {})
        if media not in content:
            return [*problems, f"request content type {media!r} is not one of {sorted(content)}"]
        instance = self._request_instance(media, raw, content_type)
        if instance is _UNPARSEABLE:
            return [*problems, "the request body is not valid JSON"]
        pointer = f"{operation.pointer}/requestBody/content/{_escape_pointer(media)}/schema"
        validator = spec.validator(pointer, direction="request")
        return problems + _first_errors(
            validator, instance, lenient=LENIENT_REQUEST_RULES, lenient_validators=LENIENT_REQUEST_VALIDATORS
        )

    @staticmethod
    def _request_instance(media: str, raw: bytes, content_type: str) -> Any:
        if media == "multipart/form-data":
            form = WerkzeugRequest.from_values(data=raw, content_type=content_type, method="POST")
            # Files stand in as strings: the schema says `type: string, format: binary`.
            return {**dict(form.form.items()), **dict.fromkeys(form.files, "<file>")}
        try:
            return json.loads(raw)
        except ValueError:
            return _UNPARSEABLE

    def _query_problems(self, spec: ApiSpec, operation: Operation, url: str) -> list[str]:
        pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        problems: list[str] = []
        for index, parameter in enumerate(operation.definition.get("parameters", [])):
            if parameter.get("in") != "query":
                continue
            name = parameter["name"]
            values = [value for key, value in pairs if key.lower() == name.lower()]
            if not values:
                continue
            instance = _typed_query_value(spec, parameter.get("schema", {}), values)
            pointer = f"{operation.pointer}/parameters/{index}/schema"
            for message in _first_errors(spec.validator(pointer, direction="request"), instance):
                problems.append(f"query parameter {name}: {message}")
        return problems

    # responses

    def _response_problems(self, spec: ApiSpec, operation: Operation, response: requests.Response) -> list[str]:
        status = str(response.status_code)
        raw = response.content or b""
        declared = operation.definition.get("responses", {})
        if status not in declared:
            return [f"status {status} is not documented for this operation"]
        content = declared[status].get("content")
        if not content:
            return ["the spec declares no body for this status, yet one was sent"] if raw else []
        media = _media_type(response.headers.get("Content-Type"))
        if media not in content:
            return [f"response content type {media!r} is not one of {sorted(content)}"]
        try:
            instance = json.loads(raw)
        except ValueError:
            return ["the response body is not valid JSON"]
        pointer = f"{operation.pointer}/responses/{status}/content/{_escape_pointer(media)}/schema"
        return _first_errors(spec.validator(pointer, direction="response"), instance)


def _typed_query_value(spec: ApiSpec, schema: Mapping[str, Any], values: list[str]) -> Any:
    """Query strings are text; give them the schema's type before validating (form style, exploded)."""
    if schema.get("type") == "array":
        item_schema = spec.resolve(schema.get("items", {}))
        if "anyOf" in item_schema:  # an enum filter that also takes names: typed as its first form
            item_schema = spec.resolve(item_schema["anyOf"][0])
        # Repeated keys, or one comma-separated value (the Customer API's list filters say so).
        parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
        return [_typed_scalar(item_schema, value) for value in parts]
    return _typed_scalar(spec.resolve(schema), values[-1])


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
    return value
