"""Schemathesis over the whole OpenAPI as a unit handler: any value the schema admits gets a 2xx or 4xx,
never a 500, and the answer matches what the route declares (the body: tests/schema_fuzzing.py;
as an administrator in test_schema_fuzz.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schema_fuzzing import no_operation_answers_a_server_error


@pytest.mark.parametrize("username", ["dep01.handler"])
def test_no_operation_answers_a_server_error(backend: str, tmp_path: Path, username: str) -> None:
    no_operation_answers_a_server_error(backend, tmp_path, username)
