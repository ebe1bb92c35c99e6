"""The one form of an image digest the tooling writes or trusts, wherever it comes from (the
command line, a registry, an overlay): sha256 and 64 lowercase hex digits."""

from __future__ import annotations

import re

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
