"""The simulated exchange as an ASGI server speaking Delta Exchange India's REST v2 and WebSocket protocol."""
