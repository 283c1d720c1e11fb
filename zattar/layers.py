"""The channel layer: channels-redis' pub/sub layer, with group sends batched.

Every chat message is three group sends (the conversation, and each person's badge). The stock
layer publishes one at a time, each a Redis round trip under a per-connection lock. Here every
group send made while a round trip is under way waits for the next one, which publishes them
all in one pipeline: in order, and each `group_send` still returns once its message is
published (or raises what Redis raised).

When Redis goes away, a `group_send` raises at once (the chat tells the sender); the subscriber
connection retries every second, and once Redis has confirmed the re-subscription every consumer
of this process is handed a `layer.reconnected` event (straight into its queue, not through
Redis): whatever was published meanwhile never arrived, and each consumer catches up from the
database.
"""

import asyncio
import logging
import uuid
from collections import defaultdict

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a layer call raises when Redis is unreachable (redis-py wraps socket errors, mostly).
LAYER_ERRORS = (RedisError, OSError)
RECONNECTED = {"type": "layer.reconnected"}
RETRY_SECONDS = 1.0  # the subscriber's pause between attempts while Redis is away
PUBLISH_SECONDS = 3.0  # a Redis that hangs (no read timeout here) fails a publish after this


class BatchingShard(RedisSingleShardConnection):
    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish in one pipeline, within PUBLISH_SECONDS. A pooled connection that Redis
        closed (a restart) fails its first use: that once, the pipeline goes again on a new
        connection (should Redis have taken the first after all, a chat socket still sends
        each message once)."""
        async with self._lock, asyncio.timeout(PUBLISH_SECONDS):
            self._ensure_redis()
            for last_try in (False, True):
                pipeline = self._redis.pipeline(transaction=False)
                for channel, message in messages:
                    pipeline.publish(channel, message)
                try:
                    await pipeline.execute()
                    return
                except RedisConnectionError:
                    if last_try:
                        raise

    async def _do_receiving(self) -> None:
        """channels-redis' receive loop, which also notices when its connection comes back."""
        lost = False
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(timeout=0.1)
                    # redis-py re-subscribes on the new connection; its confirmation is the
                    # first answer there, so what is published from now on reaches us.
                    if message is not None and lost:
                        lost = False
                        logger.warning("Redis is back: the channel layer resubscribed")
                        self.channel_layer.tell_local_channels(RECONNECTED)
                    if message is not None and message["type"] in ("message", "pmessage"):
                        self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as error:
                if not lost:
                    logger.warning("The channel layer lost Redis (%s); retrying", error)
                lost = True
                await asyncio.sleep(RETRY_SECONDS)


class BatchingLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, hosts=None, **kwargs) -> None:
        super().__init__(*args, hosts=hosts, **kwargs)
        self._shards = [BatchingShard(host, self) for host in decode_hosts(hosts)]
        self._pending: list[tuple[str, bytes, asyncio.Future]] = []
        self._publisher: asyncio.Task | None = None

    async def new_channel(self, prefix: str = "specific.") -> str:
        """As channels-redis', except that a channel Redis refused is not kept."""
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        self.channels[channel] = asyncio.Queue()
        try:
            await self._get_shard(channel).subscribe(channel)
        except BaseException:
            del self.channels[channel]
            raise
        return channel

    def tell_local_channels(self, message: dict) -> None:
        """Hand `message` to every consumer of this process, without Redis."""
        data = self.channel_layer.serialize(message)
        for queue in self.channels.values():
            queue.put_nowait(data)

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
