"""Every JSON API route declares what it answers: a response model (or, for a file, the media
types it sends) and its refusals in the one error shape, so the OpenAPI documents them and the
schemathesis run (tests/integration/api/test_schema_fuzz.py) checks what comes back. Walks the
assembled app, so a new route, in a new file or an old one, cannot forget."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from minyi.api.errors import refusals
from minyi.app import UNDECLARED, create_app
from minyi.core.schemas import ErrorResponse
from minyi.core.settings import Settings

# Routes typed on other branches of issue 13: the analytics sweeps (they move with their own
# change). Remove an entry once its route declares its model and refusals.
PENDING: set[str] = set()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("contract")
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
    """(METHOD path, the route as its module declared it) for every route in the OpenAPI."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.include_in_schema:
            for method in sorted(route.methods - {"HEAD"}):
                yield f"{method} {context.path}", route


def typed(annotation: Any) -> bool:
    """A pydantic model or a dataclass (pydantic validates both), or a list of them; not a bare
    dict, list of dicts or Any."""
    if isinstance(annotation, type) and (
        issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation)
    ):
        return True
    return typing.get_origin(annotation) is list and all(
        typed(a) for a in typing.get_args(annotation)
    )


def answers_a_file(route: APIRoute) -> bool:
    """A download or a page: it names the media types of its success (with response_class
    Response, so its refusals are documented as the JSON they are)."""
    success = route.responses.get(200) or route.responses.get("200") or {}
    return route.response_model is None and bool(success.get("content"))


def answers_no_body(route: APIRoute) -> bool:
    return route.status_code == 204 and route.response_model is None


def skipped(label: str, route: APIRoute) -> bool:
    return (
        label in PENDING
        or route.endpoint.__module__ in UNDECLARED
        or route.endpoint.__module__.endswith(".open311")
    )


class TestRouteContract:
    def test_the_walk_finds_the_api(self, app: FastAPI) -> None:
        labels = {label for label, _ in api_routes(app)}
        assert {
            "POST /api/v1/appeals",
            "GET /api/v1/appeals/{case_id}",
            "GET /api/v1/exports/cases",
        } <= labels
        assert not any(label.split()[1].startswith("/console") for label in labels), (
            "console pages are not API routes"
        )

    def test_every_route_declares_its_response_model(self, app: FastAPI) -> None:
        missing = [
            f"{label} -> {route.response_model}"
            for label, route in api_routes(app)
            if not skipped(label, route)
            and not (typed(route.response_model) or answers_a_file(route) or answers_no_body(route))
        ]
        assert not missing, (
            "routes without a response model (response_model=..., or the media type of a file):\n"
            + "\n".join(missing)
        )

    def test_every_route_declares_its_refusals_in_the_one_error_shape(self, app: FastAPI) -> None:
        missing, wrong = [], []
        for label, route in api_routes(app):
            if skipped(label, route):
                continue
            refusals = {
                int(status): spec
                for status, spec in route.responses.items()
                if str(status).isdigit() and int(status) >= 400
            }
            if not {422} <= refusals.keys():
                missing.append(label)
            wrong += [
                f"{label} {status}"
                for status, spec in refusals.items()
                if spec.get("model") is not ErrorResponse
            ]
        assert not missing, (
            "routes that declare no refusals (responses=refusals(...)):\n" + "\n".join(missing)
        )
        assert not wrong, "refusals not in the shared ErrorResponse shape:\n" + "\n".join(wrong)

    def test_the_pending_list_only_names_routes_that_still_exist(self, app: FastAPI) -> None:
        labels = {label for label, _ in api_routes(app)}
        assert labels >= PENDING, sorted(PENDING - labels)


class TestRefusals:
    def test_a_signed_in_route_may_answer_401_and_403_besides_what_it_names(self) -> None:
        declared = refusals(404, 409)
        assert sorted(declared) == [400, 401, 403, 404, 409, 413, 422]
        assert all(spec["model"] is ErrorResponse for spec in declared.values())

    def test_a_public_route_names_no_sign_in_refusals(self) -> None:
        assert sorted(refusals(404, public=True)) == [400, 404, 413, 422]

    def test_a_route_words_its_own_refusal(self) -> None:
        declared = refusals(public=True, described={429: "too many failed sign-ins"})
        assert declared[429]["description"] == "too many failed sign-ins"
        assert declared[422]["description"].startswith("invalid request")
