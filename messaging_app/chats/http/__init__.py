"""The HTTP edge: error bodies, request parsing, middleware, rate limits,
health checks, and working on through a Redis outage."""
