"""Scraping /metrics in tests (no tests here): an aiohttp app serving the route, and samples
read back with Prometheus' own parser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from ops import add_metrics_route
from ops.metrics import REFRESH_WITHIN
from ops.refreshers import Refresher


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


class Exposition:
    """One scrape: its text and its samples."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = [
            Sample(s.name, dict(s.labels), float(s.value))
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` with exactly `labels`; 0 when the series does not exist yet."""
        for sample in self.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
        return 0.0

    def label_values(self) -> set[str]:
        return {value for s in self.samples for value in s.labels.values()}


class MetricsClient:
    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self._client = client

    async def scrape(self) -> Exposition:
        response = await self._client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return Exposition(await response.text())


@asynccontextmanager
async def metrics_app(
    refreshers: Sequence[Refresher] = (), *, refresh_within: float = REFRESH_WITHIN
) -> AsyncIterator[MetricsClient]:
    """A web application that serves only /metrics, on a free port."""
    app = web.Application()
    add_metrics_route(app, refreshers=refreshers, refresh_within=refresh_within)
    async with TestClient(TestServer(app)) as client:
        yield MetricsClient(client)
