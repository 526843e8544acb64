"""API faults on demand: error responses, latency and dropped connections, per verb and resource."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ApiError

FAULT_STATUSES = (409, 429, 500)


@dataclass(frozen=True)
class FaultRule:
    verb: str | None = None  # get, list, watch, create, update, patch, delete; None = any
    resource: str | None = None  # a plural such as "machineconfigs"; None = any
    status: int | None = None  # 409, 429 or 500; None = no error response
    rate: float = 1.0  # share of matching requests affected, 0..1
    latency: float = 0.0  # seconds added before answering
    drop: bool = False  # close the connection without an answer

    def matches(self, verb: str, resource: str, subresource: str | None = None) -> bool:
        """A rule for `pods` also hits `pods/eviction`; one for `pods/eviction` only that subresource."""
        names = (None, resource, f"{resource}/{subresource}") if subresource else (None, resource)
        return self.verb in (None, verb) and self.resource in names


@dataclass(frozen=True)
class FaultDecision:
    latency: float = 0.0
    error: ApiError | None = None
    drop: bool = False


def fault_error(status: int, resource: str) -> ApiError:
    if status == 409:
        return ApiError(
            409, "Conflict",
            f"Operation cannot be fulfilled on {resource}: the object has been modified; "
            "please apply your changes to the latest version and try again (injected fault)",
        )
    if status == 429:
        return ApiError(429, "TooManyRequests", "the server has received too many requests (injected fault)",
                        {"retryAfterSeconds": 1})
    return ApiError(status, "InternalError", "Internal error occurred: injected fault")


class ApiFaults:
    """Rules checked on every non-/sim/ request. Deterministic when seeded."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        status: int | None = None,
        rate: float = 1.0,
        latency: float = 0.0,
        drop: bool = False,
    ) -> FaultRule:
        if status is not None and status not in FAULT_STATUSES:
            raise ValueError(f"fault status must be one of {FAULT_STATUSES}, not {status}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within 0..1, not {rate}")
        if latency < 0:
            raise ValueError(f"fault latency must not be negative, not {latency}")
        rule = FaultRule(verb, resource, status, rate, latency, drop)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def decide(self, verb: str, resource: str, subresource: str | None = None) -> FaultDecision:
        """Which faults hit this request: latencies add up, the first error or drop wins."""
        latency, error, drop = 0.0, None, False
        with self._lock:
            for rule in self._rules:
                if not rule.matches(verb, resource, subresource) or self._random.random() >= rule.rate:
                    continue
                latency += rule.latency
                if error is None and not drop:
                    drop = rule.drop
                    error = fault_error(rule.status, resource) if rule.status and not drop else None
        return FaultDecision(latency, error, drop)

    # ---- the /sim/faults endpoint --------------------------------------------------------------
    def handle(self, method: str, body: Any) -> tuple[int, Any]:
        if method == "GET":
            return 200, {"rules": [asdict(r) for r in self.rules]}
        if method == "DELETE":
            self.clear()
            return 200, {"rules": []}
        if method == "POST":
            return self._add_from_body(body)
        return 405, {"message": f"method {method} not allowed on /sim/faults"}

    def _add_from_body(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "body must be a JSON object"}
        allowed = {"verb", "resource", "status", "rate", "latency", "drop"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            return 400, {"message": f"unknown fault fields: {', '.join(unknown)}"}
        try:
            rule = self.add(**body)
        except (TypeError, ValueError) as exc:
            return 400, {"message": str(exc)}
        return 201, asdict(rule)
