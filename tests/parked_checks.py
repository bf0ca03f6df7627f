"""How the tests see what the worker parked: through `minyi parked` (the real Typer app, in
process) and through the app's /metrics, as an operator would."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import METRICS_AUTH
from minyi.cli.main import app as cli_app


def parked_cli(url: str, *args: str) -> Any:
    result = CliRunner().invoke(
        cli_app,
        ["parked", *args],
        env={"MINYI_DATABASE_URL": url, "MINYI_ENVIRONMENT": "test", "NO_COLOR": "1"},
    )
    assert result.exit_code == 0, (result.exit_code, result.output)
    return json.loads(result.stdout)


def parked_metric(client: TestClient, kind: str) -> float:
    text = client.get("/metrics", headers=METRICS_AUTH).text
    match = re.search(rf'^minyi_parked_items\{{kind="{kind}"\}} (\S+)$', text, re.MULTILINE)
    assert match is not None, text[-2000:]
    return float(match.group(1))
