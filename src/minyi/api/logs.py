"""JSON log lines for every process (web, worker, CLI) and the request id each line carries.

Apart from observability.py so that `minyi worker`, which logs the same lines, does not import
FastAPI and the web layer to configure its logging (about a CPU second at each worker's start).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
request_log = logging.getLogger("minyi.access")
error_log = logging.getLogger("minyi.errors")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            document["request_id"] = rid
        document.update(
            {
                k: v
                for k, v in record.__dict__.items()
                if k not in _STANDARD and not k.startswith("_")
            }
        )
        if record.exc_info:
            document["exc"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO, *, access_log: bool = False) -> None:
    """JSON lines on stderr for the whole process (uvicorn's loggers propagate here when it is
    started with log_config=None). The per-request line is on only with MINYI_ACCESS_LOG=true;
    server errors (5xx) are logged as warnings either way."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    request_log.setLevel(logging.INFO if access_log else logging.WARNING)
    # WeasyPrint and fontTools narrate every step of each PDF at INFO: noise, not events.
    for chatty in ("weasyprint", "fontTools"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
