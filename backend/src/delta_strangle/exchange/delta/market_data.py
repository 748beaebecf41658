"""Delta's public market data: option products and their settlement, tickers, spot and the public `ticker`
stream. No keys needed.

`DeltaExchange` reads the market through this class, and so does paper mode, which trades Delta's real
quotes on the simulator's matching without credentials. It also remembers every product it has seen, so
order and fill parsing can turn a product id into a symbol (and back) without another call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from urllib.parse import quote as url_quote

from delta_strangle.clock import Clock
from delta_strangle.domain.instruments import OptionContract, Underlying
from delta_strangle.domain.market import OptionChain, Quote
from delta_strangle.exchange.delta.rest import DeltaRestClient
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.delta.stream import DeltaSocket, Freshness, Subscription
from delta_strangle.exchange.delta.wire import (
    ProductSettlement,
    WireError,
    is_tradable,
    parse_option_contract,
    parse_product_settlement,
    parse_quote_frame,
    parse_ticker,
)
from delta_strangle.exchange.errors import NotFoundError, TransientError

PERPETUAL_FOR_SPOT = {Underlying.BTC: "BTCUSD", Underlying.ETH: "ETHUSD"}
PRODUCTS_PAGE_SIZE = 500


class DeltaMarketData:
    """Public REST and WebSocket market data of Delta Exchange India, in domain types."""

    def __init__(
        self,
        *,
        rest: DeltaRestClient,
        public_ws_url: str,
        user_agent: str,
        clock: Clock,
        ws_backoff: Backoff | None = None,
        heartbeat_timeout_seconds: float = 35.0,
    ) -> None:
        self.rest = rest
        self._public_ws_url = public_ws_url
        self._user_agent = user_agent
        self._clock = clock
        self._ws_backoff = ws_backoff
        self._heartbeat_timeout = heartbeat_timeout_seconds
        self.freshness = Freshness(clock)
        self.sockets: list[DeltaSocket] = []
        self._symbols: dict[int, str] = {}
        self._contracts: dict[int, OptionContract] = {}

    async def list_option_contracts(self, underlying: Underlying, expiry: date | None = None) -> list[OptionContract]:
        """Return live, tradable option products of an underlying, optionally for one expiry date."""
        contracts: list[OptionContract] = []
        after: str | None = None
        while True:
            params: list[tuple[str, str | int]] = [
                ("contract_types", "call_options,put_options"),
                ("states", "live"),
                ("page_size", PRODUCTS_PAGE_SIZE),
            ]
            if after:
                params.append(("after", after))
            envelope = await self.rest.get("/v2/products", params)
            for product in envelope.result or []:
                contract = parse_option_contract(product)
                if contract is None or contract.underlying is not underlying or not is_tradable(product):
                    continue
                self.remember(contract)
                if expiry is None or contract.expiry == expiry:
                    contracts.append(contract)
            after = envelope.meta.get("after")
            if not after:
                break
        return sorted(contracts, key=lambda c: (c.settlement_time, c.kind.value, c.strike))

    async def get_option_chain(self, underlying: Underlying, expiry: date) -> OptionChain:
        """Return every tradable option of an underlying and expiry with its ticker."""
        contracts = await self.list_option_contracts(underlying, expiry)
        wanted = {c.symbol for c in contracts}
        quotes = {q.symbol: q for q in await self.get_option_quotes(underlying, expiry) if q.symbol in wanted}
        spots = [q.spot_price for q in quotes.values() if q.spot_price is not None]
        spot = spots[0] if spots else await self.get_spot(underlying)
        return OptionChain(
            underlying=underlying,
            expiry=expiry,
            spot=spot,
            as_of=self._clock.now(),
            contracts=tuple(contracts),
            quotes=quotes,
        )

    async def get_option_quotes(self, underlying: Underlying, expiry: date | None = None) -> list[Quote]:
        """Return the tickers of an underlying's options (one expiry, or all) in one call."""
        params: list[tuple[str, str | int]] = [
            ("contract_types", "call_options,put_options"),
            ("underlying_asset_symbols", underlying.value),
        ]
        if expiry is not None:
            params.append(("expiry_date", expiry.strftime("%d-%m-%Y")))
        envelope = await self.rest.get("/v2/tickers", params)
        now = self._clock.now()
        return [parse_ticker(t, received_at=now) for t in envelope.result or []]

    async def get_spot(self, underlying: Underlying) -> Decimal:
        """Return the index price, read from the perpetual's ticker (`spot_price` is the index)."""
        quote = await self.get_quote(PERPETUAL_FOR_SPOT[underlying])
        if quote.spot_price is None:
            raise TransientError(f"no spot_price on {PERPETUAL_FOR_SPOT[underlying]} ticker", code="no_spot")
        return quote.spot_price

    async def get_quote(self, symbol: str) -> Quote:
        """Return the current ticker of one product."""
        envelope = await self.rest.get(f"/v2/tickers/{symbol}")
        return parse_ticker(envelope.result, received_at=self._clock.now())

    async def get_product_settlement(self, symbol: str) -> ProductSettlement:
        """Return one product's state and settlement (`GET /v2/products/{symbol}`): its settlement price is
        None until Delta publishes it. An unknown symbol raises `NotFoundError` naming it."""
        try:
            envelope = await self.rest.get(f"/v2/products/{url_quote(symbol, safe='')}")
        except NotFoundError as error:
            raise NotFoundError(
                f"Delta has no product {symbol!r} ({error})", code=error.code or "not_found", context=error.context
            ) from error
        if not isinstance(envelope.result, Mapping):
            raise WireError(f"{symbol}: product answer is not an object")
        settlement = parse_product_settlement(envelope.result)
        if settlement.symbol != symbol:
            raise WireError(f"asked for product {symbol}, Delta answered {settlement.symbol}")
        return settlement

    async def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        """Yield quotes from the public `ticker` channel, reconnecting and resubscribing on drops."""
        socket = DeltaSocket(
            self._public_ws_url,
            clock=self._clock,
            user_agent=self._user_agent,
            subscriptions=[Subscription("ticker", tuple(symbols))],
            backoff=self._ws_backoff,
            heartbeat_timeout_seconds=self._heartbeat_timeout,
            name="public",
        )
        self.sockets.append(socket)
        wanted = set(symbols)
        try:
            async for frame in socket.frames():
                for quote in parse_quote_frame(frame, received_at=self._clock.now()):
                    if quote.symbol in wanted:
                        self.freshness.touch(quote.symbol)
                        yield quote
        finally:
            self.sockets.remove(socket)

    # --- what we know about products -------------------------------------------------------------------------------

    def remember(self, contract: OptionContract) -> None:
        """Keep a product's contract so later calls can name it and round prices onto its tick grid."""
        self._contracts[contract.product_id] = contract
        self._symbols[contract.product_id] = contract.symbol

    def remember_symbol(self, product_id: int, symbol: str) -> None:
        """Keep a product's symbol seen in an order or fill."""
        self._symbols.setdefault(product_id, symbol)

    def contract(self, product_id: int) -> OptionContract | None:
        """Return a product's contract if it has been listed through this client."""
        return self._contracts.get(product_id)

    def product_id_for(self, symbol: str) -> int | None:
        """Return the product id of a symbol seen before, or None."""
        return next((pid for pid, known in self._symbols.items() if known == symbol), None)

    async def symbol_for(self, product_id: int) -> str:
        """Return a product's symbol, asking Delta once when it has not been seen."""
        symbol = self._symbols.get(product_id)
        if symbol is None:
            envelope = await self.rest.get(f"/v2/products/{product_id}")
            symbol = str(envelope.result["symbol"])
            self._symbols[product_id] = symbol
        return symbol
