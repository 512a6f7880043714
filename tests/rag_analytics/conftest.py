"""The analytics datasets a test asks for, made the database's content (tests/analytics_data.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import analytics_data as ad
from tests.analytics_data import Dataset


@pytest.fixture
def shop(run: Any) -> Dataset:
    return ad.load(run, ("main", ad.shop_today()), ad.build_main)


@pytest.fixture
def boundaries(run: Any) -> Dataset:
    return ad.load(run, "stock-boundaries", ad.build_stock_boundaries)


@pytest.fixture
def bulk(run: Any) -> Dataset:
    return ad.load(run, "bulk", ad.build_bulk)
