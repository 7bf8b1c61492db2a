"""`/metrics` in Prometheus' text format: requests by operation, evaluations, the evaluation
cache, and SQL statements executed. One registry per app, so apps in one process (tests)
keep their own counts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from app.catalog.db import Database

MAX_OPERATIONS = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Statements(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("imagegate_sql_statements",
                                     "SQL statements executed against the catalog")
        family.add_metric([], self.db.statements.count)
        yield family


class Metrics:
    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "imagegate_graphql_requests", "GraphQL operations executed",
            ["operation", "outcome"], registry=self.registry)
        self.request_seconds = Histogram(
            "imagegate_graphql_request_seconds", "GraphQL operation latency",
            ["operation"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.evaluations = Counter(
            "imagegate_evaluations", "Policy evaluations computed (not answered from the "
            "store)", registry=self.registry)
        self.evaluation_seconds = Histogram(
            "imagegate_evaluation_seconds", "Latency of a check that had to evaluate",
            buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.cache = Counter(
            "imagegate_evaluation_cache", "Checks answered from a stored, still valid "
            "evaluation (hit) or by evaluating (miss)", ["result"], registry=self.registry)
        self.registry.register(_Statements(db))
        self._operations: set[str] = set()
        self._lock = threading.Lock()

    def operation_label(self, name: str | None) -> str:
        """The label of an operation: its name, while fewer than MAX_OPERATIONS names have
        been seen and it looks like a name (clients choose names: labels must stay few)."""
        if not name:
            return "anonymous"
        with self._lock:
            if name in self._operations:
                return name
            if len(self._operations) < MAX_OPERATIONS and _NAME.fullmatch(name):
                self._operations.add(name)
                return name
        return "other"

    def record_checks(self, *, hits: int, misses: int, seconds: list[float]) -> None:
        """Checks: `hits` answered from the store, `misses` evaluated, taking `seconds`
        each."""
        if hits:
            self.cache.labels("hit").inc(hits)
        if misses:
            self.cache.labels("miss").inc(misses)
        for spent in seconds:
            self.evaluations.inc()
            self.evaluation_seconds.observe(spent)

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
