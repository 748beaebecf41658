"""The listed products of a market source, found by id or by symbol.

Shared by every market source (random walk, replayed file, Delta's live feed in paper mode), which
differ in where prices come from, not in how their listing is looked up.
"""

from __future__ import annotations

from collections.abc import Iterable

from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.product import SimProduct


class ProductListing:
    """Lookups over `_products` (by id) and `_by_symbol`; the market source fills both."""

    _config: SimConfig
    _products: dict[int, SimProduct]
    _by_symbol: dict[str, int]

    def _list_product(self, product: SimProduct) -> SimProduct:
        self._products[product.id] = product
        self._by_symbol[product.symbol] = product.id
        return product

    def products(self) -> Iterable[SimProduct]:
        return self._products.values()

    def product(self, product_id: int) -> SimProduct | None:
        return self._products.get(product_id)

    def product_by_symbol(self, symbol: str) -> SimProduct | None:
        product_id = self._by_symbol.get(symbol)
        return None if product_id is None else self._products[product_id]

    def index_symbol(self, underlying: str) -> str:
        return self._config.underlying(underlying).index_symbol
