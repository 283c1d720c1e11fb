"""The batching channel layer against the real Redis."""

import asyncio

import pytest
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError

from zattar.layers import BatchingPubSubChannelLayer


def layer(address: str | None = None) -> BatchingPubSubChannelLayer:
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    host = {**config["hosts"][0], **({"address": address} if address else {})}
    return BatchingPubSubChannelLayer(hosts=[host], prefix=f"{config['prefix']}-layer-test")


async def test_concurrent_group_sends_arrive_once_each_and_in_order():
    sender, receiver = layer(), layer()  # as two server processes
    channel = await receiver.new_channel()
    await receiver.group_add("g", channel)
    await asyncio.gather(*(sender.group_send("g", {"type": "n", "n": n}) for n in range(50)))
    received = [(await receiver.receive(channel))["n"] for _ in range(50)]
    assert received == list(range(50))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(receiver.receive(channel), 0.2)  # and nothing more
    await sender.flush()
    await receiver.flush()


async def test_a_group_send_raises_when_redis_is_unreachable():
    unreachable = layer("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(RedisConnectionError):
        await unreachable.group_send("g", {"type": "n"})
    await unreachable.flush()


async def test_a_flush_releases_group_sends_still_waiting():
    flushed = layer()
    waiting = asyncio.create_task(flushed.group_send("g", {"type": "n"}))
    await asyncio.sleep(0)  # queued, not yet published
    await flushed.flush()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 2)
