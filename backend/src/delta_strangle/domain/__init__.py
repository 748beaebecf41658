"""The strangle rules, pure: no I/O, no clock, no asyncio. Time and prices arrive as arguments."""
