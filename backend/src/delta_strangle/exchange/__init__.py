"""One `Exchange` interface (base.py) with two implementations: Delta (delta/) and the simulator (sim/)."""
