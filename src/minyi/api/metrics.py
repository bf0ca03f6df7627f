"""GET /metrics in the Prometheus text format (see observability.py for what is measured).
Not public: it answers only `Authorization: Bearer $MINYI_METRICS_TOKEN` (401 otherwise) and is
off (404) while no token is set, so a forgotten proxy rule does not publish it."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.security.utils import get_authorization_scheme_param
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from minyi.api.errors import ApiRoute

router = APIRouter(tags=["ops"], route_class=ApiRoute)


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    expected = request.app.state.minyi.settings.metrics_token
    if not expected:
        return Response(status_code=404)
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
