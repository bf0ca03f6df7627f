"""The API's typed edges (issue 15): every JSON route under /api/ answers a response model from
its domain's `schemas.py`, every paginated list answers the one `Page[T]`, and the OpenAPI
document types every JSON answer. Walks the assembled app, so a new route cannot forget.

Only the routes named in FILES answer something other than JSON (they declare their
response_class and their media types); a 204 has no body to type."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from minyi.app import create_app
from minyi.core.schemas import Page
from minyi.core.settings import Settings

# Routes that answer a file or a page, not JSON: exempt from a response model.
FILES: frozenset[str] = frozenset(
    {
        "GET /api/v1/clock-policies",  # YAML
        "GET /api/v1/exports/cases",  # CSV or XLSX
        "GET /api/v1/grassroots/coverage.svg",  # the coverage map
        "GET /api/v1/mailboxes/{code}/qr.svg",
        "GET /api/v1/mailboxes/{code}/qr.png",
        "GET /api/v1/org/export",  # YAML or CSV
        "GET /api/v1/reports/{issue_id}.html",
        "GET /api/v1/reports/{issue_id}.pdf",
        "GET /api/v1/letters/{letter_id}.docx",
        "GET /api/v1/meetings/{meeting_id}/minutes.docx",  # the minutes (会议纪要)
        "GET /api/v1/mediation/agreements/{agreement_id}.docx",  # 人民调解协议书
        "GET /api/v1/mediation/agreements/{agreement_id}.pdf",
    }
)

# Paginated lists not yet answering Page[T]: the triage board's shape (triage.schemas.BoardOut,
# the same four keys) moves with triage's own reshaping (issue 15, "triage in the house's shape").
PAGE_PENDING: frozenset[str] = frozenset({"GET /api/v1/triage/suggestions"})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("typed")
    # Assembling the app opens no connection: nothing here touches the database.
    return create_app(
        Settings(
            environment="test",
            database_url=f"sqlite:///{tmp / 'unused.db'}",
            data_dir=tmp,
            load_demo_if_empty=False,
        )
    )


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(METHOD path, the route as its module declared it) for every HTTP route under /api/."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path.startswith("/api/"):
            for method in sorted(route.methods - {"HEAD"}):
                yield f"{method} {context.path}", route


def shapes(annotation: Any) -> Iterator[Any]:
    """The classes a response model is made of at the top: a list's items, a page's items and
    the page itself."""
    if typing.get_origin(annotation) is list:
        for arg in typing.get_args(annotation):
            yield from shapes(arg)
        return
    yield annotation
    metadata = getattr(annotation, "__pydantic_generic_metadata__", None)
    if metadata and metadata["origin"] is not None:
        for arg in metadata["args"]:
            yield from shapes(arg)


def from_a_schemas_module(cls: Any) -> bool:
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        return False
    origin = cls.__pydantic_generic_metadata__["origin"] or cls
    module = origin.__module__
    return module.startswith("minyi.") and module.endswith(".schemas")


def is_page(model: Any) -> bool:
    """Page[T], or a page that adds a field or two of its list (the backlog's min_age_days)."""
    return isinstance(model, type) and issubclass(model, Page)


class TestResponseModels:
    def test_every_json_route_answers_a_model_from_a_schemas_module(self, app: FastAPI) -> None:
        missing = [
            f"{label} -> {route.response_model}"
            for label, route in api_routes(app)
            if label not in FILES
            and route.status_code != 204
            and not (
                route.response_model is not None
                and all(from_a_schemas_module(s) for s in shapes(route.response_model))
            )
        ]
        assert not missing, (
            "JSON routes without a response model from a domain's schemas.py:\n"
            + "\n".join(missing)
        )

    def test_a_file_route_declares_its_response_class_and_no_model(self, app: FastAPI) -> None:
        routes = dict(api_routes(app))
        assert routes.keys() >= FILES, (
            f"FILES names routes that are gone: {sorted(FILES - routes.keys())}"
        )
        wrong = [
            label
            for label in FILES
            if routes[label].response_model is not None
            or isinstance(routes[label].response_class, DefaultPlaceholder)
        ]
        assert not wrong, (
            "file routes must declare response_class and no response_model:\n" + "\n".join(wrong)
        )

    def test_a_204_declares_no_model(self, app: FastAPI) -> None:
        assert [
            label
            for label, route in api_routes(app)
            if route.status_code == 204 and route.response_model is not None
        ] == []


class TestPagination:
    def test_every_paginated_list_answers_a_page(self, app: FastAPI) -> None:
        paged = {
            label: route
            for label, route in api_routes(app)
            if {"page", "page_size"} <= {p.name for p in route.dependant.query_params}
        }
        assert "GET /api/v1/appeals" in paged
        wrong = [
            f"{label} -> {route.response_model}"
            for label, route in paged.items()
            if label not in PAGE_PENDING and not is_page(route.response_model)
        ]
        assert not wrong, "paginated lists that do not answer core.schemas.Page[T]:\n" + "\n".join(
            wrong
        )

    def test_the_pending_list_only_names_paginated_routes_still_off_the_page(
        self, app: FastAPI
    ) -> None:
        routes = dict(api_routes(app))
        assert all(
            label in routes and not is_page(routes[label].response_model) for label in PAGE_PENDING
        )

    def test_a_page_names_its_counts_and_its_items(self) -> None:
        class Row(BaseModel):
            name: str

        page = Page[Row](total=41, page=3, page_size=20, items=[{"name": "甲"}])
        assert page.model_dump() == {
            "total": 41,
            "total_exact": True,
            "page": 3,
            "page_size": 20,
            "next_cursor": None,
            "items": [{"name": "甲"}],
        }


def untyped(schema: dict[str, Any]) -> bool:
    """{} or an object or list that says nothing of what it holds."""
    if schema in ({}, {"type": "object"}, {"type": "object", "additionalProperties": True}):
        return True
    return schema.get("type") == "array" and untyped(schema.get("items", {}))


class TestOpenAPI:
    def test_no_json_answer_under_api_is_untyped(self, app: FastAPI) -> None:
        loose = [
            f"{method.upper()} {path} {status}"
            for path, operations in app.openapi()["paths"].items()
            if path.startswith("/api/")
            for method, operation in operations.items()
            for status, answer in operation["responses"].items()
            for media_type, content in answer.get("content", {}).items()
            if media_type == "application/json" and untyped(content.get("schema", {}))
        ]
        assert not loose, "JSON answers typed {} in the OpenAPI:\n" + "\n".join(loose)

    def test_every_json_success_is_documented(self, app: FastAPI) -> None:
        """A 2xx of a JSON route has an application/json schema in the document (a 204 has no body)."""
        undocumented = []
        paths = app.openapi()["paths"]
        for label, route in api_routes(app):
            if label in FILES or route.status_code == 204 or not route.include_in_schema:
                continue
            method, path = label.split(" ", 1)
            responses = paths[path][method.lower()]["responses"]
            success = responses.get(str(route.status_code or 200), {})
            if "application/json" not in success.get("content", {}):
                undocumented.append(label)
        assert not undocumented, (
            "JSON routes whose success the OpenAPI does not type:\n" + "\n".join(undocumented)
        )
