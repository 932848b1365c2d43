"""Plain helpers. Blocking is fine here, until a coroutine calls them (AIO210 follows the chain)."""
import json


def read_file(path):
    with open(path) as f:
        return f.read()


def load_config(path="shop.json"):
    return json.loads(read_file(path))
