"""A small async order service with the mistakes Asyncio Lens finds (run `asyncio-lens check examples/`)."""
