"""Real-time delivery: the WebSocket consumer, its routes and handshake
checks, the channel layer, and event publishing."""
