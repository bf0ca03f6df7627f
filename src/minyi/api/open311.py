"""Open311 GeoReport v2 under /open311/v2: every resource in .xml and .json, errors in the
spec's own format (HTTP status = code; [{code, description}] or <errors><error>), so existing
Open311 clients work unchanged. The shapes and rules live in minyi.integrations.

A service_request_id is the appeal's random public id: public lists hand out no tracking number
(with one, four digits open the citizen's pages). The client that submitted a request gets its
tracking number and tracking code in the POST answer, and its tracking number again on GET when it
sends its api_key; these are extension fields, which GeoReport clients ignore."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from minyi.api.deps import ReadSession, State
from minyi.core.errors import Forbidden, Invalid, MinyiError, NotFound, Unauthorized
from minyi.intake.attachments import check_attachment, stage_attachment, store_attachment
from minyi.intake.schemas import AppealIn
from minyi.intake.service import check_appeal
from minyi.integrations import georeport as geo
from minyi.integrations import open311
from minyi.integrations.schemas import (
    CreatedRequestOut,
    DiscoveryOut,
    Open311ErrorOut,
    ServiceDefinitionOut,
    ServiceOut,
    ServiceRequestOut,
    TokenStatusOut,
)

PREFIX = "/open311/v2"
CHANGESET = "2026-11-21T09:20:00+08:00"


def render(fmt: str, root: str, item: str | None, content: Any, status: int = 200) -> Response:
    if fmt == "json":
        body = orjson.dumps(content)
    else:
        body = geo.to_xml(root, item, content)
    return Response(body, status_code=status, media_type=geo.CONTENT_TYPES[fmt])


def error_response(fmt: str | None, code: int, description: str) -> Response:
    return render(
        fmt if fmt in geo.CONTENT_TYPES else "xml",
        "errors",
        "error",
        geo.errors_document(code, description),
        code,
    )


def _status_of(error: MinyiError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden | Unauthorized):
        return 403
    return 400


class Open311Route(APIRoute):
    """Every failure of an Open311 route answers in the spec's error format and the requested
    format, never in the rest of the API's {"error": ...} shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            fmt = request.path_params.get("fmt")
            try:
                return await handler(request)
            except geo.Open311Error as error:
                return error_response(fmt, error.code, error.description)
            except Invalid as error:
                return error_response(fmt, 400, geo.invalid_message(error))
            except MinyiError as error:
                return error_response(fmt, _status_of(error), error.message)
            except (RequestValidationError, ValidationError) as error:
                return error_response(fmt, 400, geo.validation_message(error.errors()))
            except HTTPException as error:
                return error_response(fmt, error.status_code, str(error.detail))

        return guarded


# --- the documented answers: the JSON shapes are in integrations/schemas.py; the .xml form carries
# the same fields as elements ----------------------------------------------------------------------


def _documented(model: Any, *errors: int) -> dict[int | str, dict[str, Any]]:
    """The JSON shape of a 200 and of each refusal; the .xml form is the same data as elements."""
    meanings = {
        400: "bad request: an unknown format, a missing or invalid argument, a refused media file",
        403: "no api_key, or one that is not valid",
        404: "no such service, request or token",
    }
    xml: dict[str, dict[str, Any]] = {"text/xml": {}}
    answer: dict[int | str, dict[str, Any]] = {
        200: {"model": model, "description": "the resource", "content": xml}
    }
    for status in errors:
        answer[status] = {
            "model": list[Open311ErrorOut],
            "description": meanings[status],
            "content": xml,
        }
    return answer


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)
Jurisdiction = Annotated[
    str | None, Query(description="accepted for compatibility; Minyi serves one district")
]
ApiKey = Annotated[
    str | None,
    Query(
        max_length=200,
        description="optional on GET: the client's key adds the tracking numbers of the requests it submitted",
    ),
]


@router.get(
    "/discovery.{fmt}",
    summary="GeoReport service discovery",
    response_model=None,
    responses=_documented(DiscoveryOut, 400),
)
def discovery(fmt: str, state: State) -> Response:
    geo.check_format(fmt)
    base = state.settings.public_base_url.rstrip("/")
    return render(
        fmt,
        "discovery",
        None,
        {
            "changeset": CHANGESET,
            "contact": f"区群众诉求服务中心 {base}",
            "key_service": "api_key 由区群众诉求服务中心管理员发放 (minyi open311 add-client)",
            "endpoints": [
                {
                    "specification": geo.SPEC_URL,
                    "url": base + PREFIX,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get(
    "/services.{fmt}",
    summary="The service list: the event dictionary's current leaves",
    response_model=None,
    responses=_documented(list[ServiceOut], 400),
)
def services(fmt: str, session: ReadSession, jurisdiction_id: Jurisdiction = None) -> Response:
    geo.check_format(fmt)
    return render(
        fmt, "services", "service", [geo.service_row(leaf) for leaf in open311.services(session)]
    )


@router.get(
    "/services/{service_code}.{fmt}",
    summary="A service definition with its attributes",
    response_model=None,
    responses=_documented(ServiceDefinitionOut, 400, 404),
)
def service_definition(
    service_code: str, fmt: str, session: ReadSession, jurisdiction_id: Jurisdiction = None
) -> Response:
    geo.check_format(fmt)
    leaf = open311.service(session, service_code)
    attributes = geo.attribute_definitions(open311.streets(session))
    return render(
        fmt, "service_definition", None, {"service_code": leaf.code, "attributes": attributes}
    )


@router.get(
    "/requests.{fmt}",
    summary="Service requests (cases) by public id list, service, dates and status",
    response_model=None,
    responses=_documented(list[ServiceRequestOut], 400, 403),
)
def list_requests(
    request: Request,
    fmt: str,
    state: State,
    session: ReadSession,
    service_request_id: str | None = None,
    api_key: ApiKey = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    page: Annotated[int, Query(ge=1, description="extension: page number")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=geo.MAX_REQUESTS, description="extension: up to 1000")
    ] = geo.MAX_REQUESTS,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="extension: the next page's cursor, from the Link header (rel=next)",
        ),
    ] = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    geo.check_format(fmt)
    query = open311.RequestQuery(
        ids=geo.split_list(service_request_id),
        service_codes=geo.split_list(service_code),
        statuses=[s.lower() for s in geo.split_list(status)],
        start=geo.parse_w3("start_date", start_date) if start_date else None,
        end=geo.parse_w3("end_date", end_date) if end_date else None,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    client = open311.client_for_key(session, api_key) if api_key else None
    found = open311.find_request_page(session, query, now=state.clock.now())
    answer = render(
        fmt,
        "service_requests",
        "request",
        open311.request_rows(session, found.rows, state.tz, client=client),
    )
    if found.next_cursor:
        # The body stays the spec's bare list; the next page is named where HTTP names it.
        following = request.url.remove_query_params(["page", "cursor"]).include_query_params(
            cursor=found.next_cursor
        )
        answer.headers["Link"] = f'<{following}>; rel="next"'
    return answer


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="One service request, by its public id",
    response_model=None,
    responses=_documented(list[ServiceRequestOut], 400, 403, 404),
)
def get_request(
    service_request_id: str,
    fmt: str,
    state: State,
    session: ReadSession,
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    geo.check_format(fmt)
    client = open311.client_for_key(session, api_key) if api_key else None
    query = open311.RequestQuery([service_request_id], [], [], None, None, 1, 1)
    found = open311.find_requests(session, query, now=state.clock.now())
    if not found:
        raise geo.Open311Error(404, f"no service request '{service_request_id}'")
    return render(
        fmt,
        "service_requests",
        "request",
        open311.request_rows(session, found, state.tz, client=client),
    )


@router.get(
    "/tokens/{token}.{fmt}",
    summary="The service_request_id of a queued request, once registered",
    response_model=None,
    responses=_documented(list[TokenStatusOut], 400, 404),
)
def get_token(token: str, fmt: str, state: State, jurisdiction_id: Jurisdiction = None) -> Response:
    geo.check_format(fmt)
    with state.db.unit_of_work() as session:  # the tracking code is handed over once
        status = open311.token_status(session, token)
    return render(fmt, "service_requests", "request", [status])


async def _fields(
    request: Request,
) -> tuple[dict[str, Any], list[tuple[str, Any]], UploadFile | None]:
    """Form-encoded, multipart (with a `media` file) or JSON: the spec's arguments, the raw pairs
    for attribute[...] and the uploaded media."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise geo.Open311Error(400, "the JSON body is not valid JSON") from None
        if not isinstance(data, dict):
            raise geo.Open311Error(400, "the JSON body must be an object")
        fields, pairs, media = dict(data), list(data.items()), None
    else:
        form = await request.form()
        pairs = list(form.multi_items())
        found = form.get("media")
        media = found if isinstance(found, UploadFile) else None
        fields = {k: v for k, v in pairs if isinstance(v, str)}
    # Some clients send the key in the query string, as for the GET resources.
    if "api_key" not in fields and "api_key" in request.query_params:
        fields["api_key"] = request.query_params["api_key"]
    return fields, pairs, media


@router.post(
    "/requests.{fmt}",
    summary="Create a service request (api_key required)",
    response_model=None,
    responses=_documented(list[CreatedRequestOut], 400, 403, 404),
)
async def create_request(fmt: str, request: Request, state: State) -> Response:
    """Everything is checked before anything is written: the key, the service, every argument and
    attribute, the places and the media (its bytes are stored, content-addressed, before the
    appeal is registered). A refusal leaves nothing registered and uses no tracking number.

    Async only to read the body and to wait on intake's group commit; every database and file
    call runs in the thread pool, so the event loop never blocks."""
    geo.check_format(fmt)
    fields, pairs, media = await _fields(request)
    client = await run_in_threadpool(_client_and_service, state, fields)
    appeal = geo.appeal_from_request(fields, geo.parse_attributes(pairs), channel=client.channel)
    item = AppealIn.model_validate(appeal)
    data = await _media_bytes(media, state) if media else None
    if client.is_queued and data is not None:
        raise geo.Open311Error(
            400,
            "media upload needs the service_request_id: send media_url, or use a realtime client",
        )
    await run_in_threadpool(_check, state, item, client)
    if client.is_queued:
        token = await run_in_threadpool(
            _queue, state, client, item.model_dump(mode="json", exclude_none=True)
        )
        notice = "已收到，正在排队登记；请用 token 查询编号"
        return render(
            fmt,
            "service_requests",
            "request",
            [{"token": token, "service_notice": notice, "account_id": None}],
        )
    if data is not None and media is not None:
        await run_in_threadpool(
            stage_attachment,
            state.settings,
            content_type=media.content_type or "",
            data=data,
        )
    receipt = await state.batcher.submit(item, client.actor())
    if data is not None and media is not None and receipt.created:
        await run_in_threadpool(
            store_attachment,
            state.db,
            state.settings,
            case_id=receipt.id,
            filename=media.filename or "media",
            content_type=media.content_type or "",
            data=data,
            actor=client.actor(),
            phone_last4=None,
            now=state.clock.now(),
        )
    answer: dict[str, Any] = {
        "service_request_id": receipt.public_id,
        "service_notice": None,
        "account_id": None,
        "tracking_no": receipt.tracking_no,
    }
    if receipt.tracking_code:
        answer["service_notice"] = (
            f"已登记，查询编号 {receipt.tracking_no}，查询码 {receipt.tracking_code}（只显示这一次，请转告反映人）；"
            "凭编号和查询码或手机号后四位可查询办理进度"
        )
        answer["tracking_code"] = receipt.tracking_code
    else:  # a replay of a request already made: its code was given the first time
        answer["service_notice"] = (
            f"已登记，查询编号 {receipt.tracking_no}，凭编号和首次回执上的查询码或手机号后四位可查询办理进度"
        )
    return render(fmt, "service_requests", "request", [answer])


def _client_and_service(state: Any, fields: dict[str, Any]) -> open311.ClientRef:
    """The api_key's client (403 otherwise) and a 404 for an unknown service_code; run in the
    thread pool, as every database call of an async route must be."""
    with state.db.reading() as session:
        client = open311.client_for_key(session, fields.get("api_key"))
        code = str(fields.get("service_code") or "").strip()
        if code:
            open311.service(session, code)
        return client


def _check(state: Any, item: AppealIn, client: open311.ClientRef) -> None:
    """Intake's own checks (channel, places, service) before the group commit numbers the
    appeal: a refusal there would have used an id and a tracking number."""
    with state.db.reading() as session:
        check_appeal(
            session, item, client.actor(), refs=state.refs, now=state.clock.now(), tz=state.tz
        )


def _queue(state: Any, client: open311.ClientRef, appeal: dict[str, Any]) -> str:
    with state.db.unit_of_work() as session:
        return open311.queue_request(
            session, client=client, appeal=appeal, tz=state.tz, now=state.clock.now()
        )


async def _media_bytes(media: UploadFile, state: Any) -> bytes:
    """Checked before the appeal is registered, so a refused file never leaves a half request."""
    limit = state.settings.limits.attachment_max_bytes
    data = await media.read(limit + 1)
    if len(data) > limit:
        raise geo.Open311Error(400, f"media is larger than {limit // (1024 * 1024)} MB")
    if not data:
        raise geo.Open311Error(400, "media is empty")
    if (media.content_type or "") not in state.settings.limits.attachment_types:
        raise geo.Open311Error(400, f"media type '{media.content_type}' is not accepted")
    try:  # the same checks store_attachment makes after registration (content matches its type)
        check_attachment(state.settings, content_type=media.content_type or "", data=data)
    except Invalid as error:
        raise geo.Open311Error(400, f"media: {error.message}") from None
    return data
