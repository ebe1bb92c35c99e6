"""`gitops history`: an environment's changes of images and config, newest first."""

from __future__ import annotations

from ..config import Config
from ..env_history import HistoryRow, read_history


def history(config: Config, env: str, limit: int | None = None) -> list[HistoryRow]:
    return read_history(config, env, limit)
