"""`gitops history`: an environment's changes of images and config, newest first."""

from __future__ import annotations

from ..config.model import Config
from ..history.entries import HistoryRow, read_history


def history(config: Config, env: str, limit: int | None = None) -> list[HistoryRow]:
    return read_history(config, env, limit)
