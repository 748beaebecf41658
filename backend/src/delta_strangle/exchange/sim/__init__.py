"""The simulated Delta Exchange: a seeded option market, matching, and Delta's protocol (docs/simulator.md)."""
