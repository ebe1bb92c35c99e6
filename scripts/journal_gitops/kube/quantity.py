"""Kubernetes resource quantities (`500m`, `1Gi`, `1.5e3`), read as the API server reads them.

A quantity is a decimal number with one suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (n, u,
m, k, M, G, T, P, E) or a decimal exponent (e3, E-2). `1E` is an exa, `1E3` an exponent. YAML may
hand over a plain number too. Anything else is not a quantity, and the API server refuses it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|"
                      r"[eE][+-]?\d+)?$")
SUFFIX: dict[str, int | Decimal] = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def quantity(value: Any) -> Decimal | None:
    """A quantity's value, or None when the API server would not parse it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return Decimal(str(value)) if Decimal(str(value)).is_finite() else None
        except InvalidOperation:
            return None
    if not isinstance(value, str):
        return None
    match = QUANTITY.match(value)
    if not match:
        return None
    suffix = match.group(3) or ""
    number = value[: len(value) - len(suffix)]
    try:
        if suffix[:1] in ("e", "E") and suffix != "E":
            return Decimal(number) * Decimal(10) ** int(suffix[1:])
        return Decimal(number) * Decimal(str(SUFFIX[suffix]))
    except (InvalidOperation, ValueError, OverflowError):
        return None
