"""Background work that runs inside `serve`: maintenance now; the poller and outbox later."""
