"""The channel layer: channels-redis' pub/sub layer, with group sends batched.

Every chat message is three group sends (the conversation, and each person's badge). The stock
layer publishes one at a time, each a Redis round trip under a per-connection lock. Here every
group send made while a round trip is under way waits for the next one, which publishes them
all in one pipeline: in order, and each `group_send` still returns once its message is
published (or raises what Redis raised).
"""

import asyncio
from collections import defaultdict

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts


class BatchingShard(RedisSingleShardConnection):
    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        async with self._lock:
            self._ensure_redis()
            pipeline = self._redis.pipeline(transaction=False)
            for channel, message in messages:
                pipeline.publish(channel, message)
            await pipeline.execute()


class BatchingLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, hosts=None, **kwargs) -> None:
        super().__init__(*args, hosts=hosts, **kwargs)
        self._shards = [BatchingShard(host, self) for host in decode_hosts(hosts)]
        self._pending: list[tuple[str, bytes, asyncio.Future]] = []
        self._publisher: asyncio.Task | None = None

    async def group_send(self, group: str, message: dict) -> None:
        channel = self._get_group_channel_name(group)
        published = asyncio.get_running_loop().create_future()
        self._pending.append((channel, self.channel_layer.serialize(message), published))
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish_pending())
        await published

    async def _publish_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._publish(batch)
            except asyncio.CancelledError:  # the layer is flushed: nobody waits in vain
                _cancel(batch)
                raise

    async def _publish(self, batch: list[tuple[str, bytes, asyncio.Future]]) -> None:
        by_shard = defaultdict(list)
        for item in batch:
            by_shard[self._get_shard(item[0])].append(item)
        for shard, items in by_shard.items():
            try:
                await shard.publish_many([(channel, message) for channel, message, _ in items])
            except Exception as error:
                outcome = error
            else:
                outcome = None
            for *_, published in items:
                if published.done():  # its sender was cancelled
                    continue
                if outcome is None:
                    published.set_result(None)
                else:
                    published.set_exception(outcome)

    async def flush(self) -> None:
        if self._publisher is not None:
            self._publisher.cancel()
            self._publisher = None
        _cancel(self._pending)
        self._pending = []
        await super().flush()


def _cancel(batch: list[tuple[str, bytes, asyncio.Future]]) -> None:
    for *_, published in batch:
        published.cancel()


class BatchingPubSubChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self) -> BatchingLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = BatchingLoopLayer(
                *self._args, **self._kwargs, channel_layer=self
            )
            _wrap_close(self, loop)  # as the stock layer: flushed when its loop closes
        return layer
