"""The base of every public response shape (each domain's `schemas.py`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """A response body as the API documents it. The routes build their answers as dicts from
    views that already went through the privacy policy; the model checks and documents that
    shape. A key the model does not name is passed through rather than dropped, so a model
    falling behind its view never takes a field away from a client (nor adds one: nothing here
    reads a row)."""

    model_config = ConfigDict(extra="allow")
