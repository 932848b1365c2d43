"""Each marked line is a real asyncio bug; `asyncio-lens check --fix` repairs the safe ones."""
import asyncio
import time

import requests

from .storage import load_config


async def fetch_price(item):
    response = requests.get(f"https://prices.example/{item}")  # blocks the loop: AIO201
    return response.json()["price"]


async def notify(order_id):
    await asyncio.sleep(0.1)
    print("notified", order_id)


async def place_order(order_id):
    config = load_config()  # open() two helpers deep: AIO210
    notify(order_id)  # never awaited, never runs: AIO100
    time.sleep(config.get("throttle", 0.1))  # freezes every task: AIO200
    return order_id


async def audit_forever():
    while True:
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:  # swallows cancellation: AIO303
            print("audit stopped")


async def main():
    asyncio.create_task(audit_forever())  # dropped reference: AIO301
    loop = asyncio.get_event_loop()  # inside a coroutine: AIO402
    reporter = loop.create_task(notify(0))  # cancelled when main returns: AIO300
    for order_id in range(3):
        await place_order(order_id)


if __name__ == "__main__":
    loop = asyncio.get_event_loop()  # the pre-3.7 way: AIO400
    loop.run_until_complete(main())
