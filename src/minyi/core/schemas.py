"""The base of every public response shape (each domain's `schemas.py`), the one page of a list
and the one error body every refusal answers."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Out(BaseModel):
    """A response body as the API documents it. The routes build their answers as dicts from
    views that already went through the privacy policy; the model checks and documents that
    shape. A key the model does not name is passed through rather than dropped, so a model
    falling behind its view never takes a field away from a client (nor adds one: nothing here
    reads a row)."""

    model_config = ConfigDict(extra="allow")


class Page(BaseModel, Generic[T]):
    """One page of a list: every paginated API list answers in this shape, so a client pages
    through cases, holdings and letters the same way. The item model decides what each row
    shows (it is the row's own response model); the page adds only counts, never a field about
    a person."""

    total: int = Field(
        description="how many match, over all pages: exact when `total_exact`, else a lower bound"
        " (the count stops at a cap) or the database's estimate"
    )
    total_exact: bool = Field(True, description="false when `total` is capped or estimated")
    page: int = Field(description="this page's number, from 1 (1 on a page reached by cursor)")
    page_size: int = Field(description="at most this many items a page")
    next_cursor: str | None = Field(
        None,
        description="pass as `cursor` for the next page (keyset: as fast at page 500 as at page"
        " 1); null on the last page",
    )
    items: list[T]


class FieldError(BaseModel):
    field: str | None = None
    message: str


class ErrorDetail(BaseModel):
    """Every refusal: a stable snake_case `code` a client can branch on and a message for people;
    `errors` names each bad field where there are any; other details vary by code."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(examples=["case_not_found"])
    message: str
    errors: list[FieldError] | None = None


class ErrorResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    error: ErrorDetail
