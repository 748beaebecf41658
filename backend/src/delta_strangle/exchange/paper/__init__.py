"""Paper trading: Delta Exchange India's real public market data feeding the simulator's matching and accounts."""
