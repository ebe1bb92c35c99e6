"""The names Kubernetes accepts, and the names kustomize generates.

DNS-1123 labels name namespaces, environments and clusters; DNS-1123 subdomains name hosts and
label prefixes; label names and values have their own syntax (the Kubernetes API conventions).
A ConfigMap or Secret that kustomize generates is named with a hash of its content appended.
"""

from __future__ import annotations

import re
from typing import Any

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_SUBDOMAIN_MAX = 253
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
# kustomize's suffix on a generated ConfigMap or Secret: a dash and 10 characters of a hash.
HASHED = re.compile(r"^(?P<base>.+)-[a-z0-9]{10}$")


def is_dns_label(name: str) -> bool:
    """A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."""
    return len(name) <= DNS_LABEL_MAX and bool(DNS_LABEL.match(name))


def is_dns_subdomain(name: str) -> bool:
    """A DNS-1123 subdomain: labels joined by '.', at most 253 characters."""
    return len(name) <= DNS_SUBDOMAIN_MAX and bool(DNS_SUBDOMAIN.match(name))


def generated_base(name: str) -> str | None:
    """The name a generated ConfigMap or Secret was given before kustomize added its hash."""
    match = HASHED.match(name)
    return match.group("base") if match else None


def label_problem(key: Any, value: Any) -> str | None:
    """Why a label pair is refused, or None."""
    prefix, _, name = str(key).rpartition("/")
    if len(name) > DNS_LABEL_MAX or not LABEL_NAME.match(name) or (
            prefix and not is_dns_subdomain(prefix)):
        return f"label key {key!r} is not a valid label name"
    text = "" if value is None else str(value)
    if len(text) > DNS_LABEL_MAX:
        return f"label {key} value is {len(text)} characters (at most 63)"
    if not LABEL_VALUE.match(text):
        return f"label {key} value {text!r} has characters a label value cannot hold"
    return None
