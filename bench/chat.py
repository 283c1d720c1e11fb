"""Chat across two server processes sharing Redis.

N conversations, the buyer's socket on one process and the seller's on the other (half the
buyers on each), so every message crosses processes. For each rate step, buyers send for a few
seconds; the benchmark records send-to-receipt time on the seller's side and counts what never
arrived. Beside it, the raw Redis publish-to-subscriber round trip, the floor for any of this.
"""

import asyncio
import json
import resource
import signal
import statistics
import time

import redis.asyncio as aioredis
import websockets
from django.conf import settings
from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from bench.common import percentile, save, table
from chat.models import Conversation
from listings.models import Listing
from zattar.testing import daphne_process, free_port

RATES = [100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500]
STEP_SECONDS = 5
GRACE_SECONDS = 3
P99_TARGET_MS = 50


def conversations(count: int) -> list[tuple[int, str, str]]:
    """`count` conversations between distinct buyers and sellers, with their access tokens."""
    from accounts.models import User

    password = (
        User.objects.filter(email__endswith="@bulk.zattar.kz")
        .values_list("password", flat=True)
        .first()
        or "!"
    )
    with transaction.atomic():
        buyers = list(User.objects.filter(email__endswith="@chatbench.zattar.kz").order_by("pk"))
        missing = count - len(buyers)
        if missing > 0:
            User.objects.bulk_create(
                User(
                    email=f"buyer{n}@chatbench.zattar.kz",
                    phone=f"+7747{n:07d}",
                    name=f"Покупатель {n}",
                    password=password,
                )
                for n in range(len(buyers), count)
            )
            buyers = list(
                User.objects.filter(email__endswith="@chatbench.zattar.kz").order_by("pk")
            )
        listings = list(
            Listing.objects.filter(status="active")
            .exclude(seller__in=buyers)
            .values_list("pk", "seller_id")[: count * 3]
        )
        distinct = {}
        for listing_id, seller_id in listings:  # distinct sellers first, then any
            distinct.setdefault(seller_id, (listing_id, seller_id))
        pairs = list(distinct.values())
        pairs += [pair for pair in listings if pair not in pairs][: max(count - len(pairs), 0)]
        rows = []
        for buyer, (listing_id, seller_id) in zip(buyers[:count], pairs, strict=False):
            chat, _ = Conversation.objects.get_or_create(
                listing_id=listing_id, buyer=buyer, defaults={"seller_id": seller_id}
            )
            rows.append((chat.pk, buyer.pk, chat.seller_id))
    return [(chat_id, access_token(buyer), access_token(seller)) for chat_id, buyer, seller in rows]


def access_token(user_id: int) -> str:
    token = AccessToken()
    token["user_id"] = str(user_id)
    return str(token)


def start_daphne(port: int):
    return daphne_process(
        port,
        DB_CONN_MAX_AGE="60",
        CHAT_FLOOD_LIMIT="1000000",  # flood control is policy; this measures capacity
        CHANNEL_LAYER_PREFIX="zattar-chatbench",
        LOG_LEVEL="WARNING",
    )


async def redis_floor(samples: int = 2000) -> dict:
    """Publish on one connection, receive on a subscribed other: the round trip."""
    publisher = aioredis.Redis.from_url(settings.REDIS_URL)
    subscriber = aioredis.Redis.from_url(settings.REDIS_URL)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe("bench-floor")
    await pubsub.get_message(timeout=1)
    rtts = []
    for _ in range(samples):
        started = time.perf_counter()
        await publisher.publish("bench-floor", b"x")
        while (await pubsub.get_message(timeout=1)) is None:
            pass
        rtts.append((time.perf_counter() - started) * 1000)
    await pubsub.aclose()
    await publisher.aclose()
    await subscriber.aclose()
    return {"p50_ms": round(statistics.median(rtts), 3), "p99_ms": round(percentile(rtts, 99), 3)}


async def scenario(chats, port_a: int, port_b: int) -> dict:
    """Connect both sides of every conversation, then step the rate up until it breaks."""
    sent_at: dict[str, float] = {}
    received_at: dict[str, float] = {}
    errors: list[dict] = []

    async def connect(port, chat_id, token):
        url = f"ws://127.0.0.1:{port}/api/v1/ws/chat/{chat_id}/?token={token}"
        return await websockets.connect(url, max_queue=None, ping_interval=None, open_timeout=30)

    async def listen(ws, is_seller: bool):
        try:
            async for raw in ws:
                data = json.loads(raw)
                if data["type"] == "message" and is_seller:
                    received_at.setdefault(data["message"]["client_id"], time.perf_counter())
                elif data["type"] == "error":
                    errors.append(data)
        except websockets.ConnectionClosed:
            pass

    limit = asyncio.Semaphore(100)

    async def open_pair(index, chat_id, buyer_token, seller_token):
        # Half the buyers on each process (as a load balancer spreads them), the seller always
        # on the other one: every message crosses processes.
        buyer_port, seller_port = (port_a, port_b) if index % 2 == 0 else (port_b, port_a)
        async with limit:
            return (
                await connect(buyer_port, chat_id, buyer_token),
                await connect(seller_port, chat_id, seller_token),
            )

    started = time.perf_counter()
    pairs = await asyncio.gather(*(open_pair(i, *chat) for i, chat in enumerate(chats)))
    connect_seconds = time.perf_counter() - started
    listeners = [
        asyncio.create_task(listen(ws, i == 1)) for pair in pairs for i, ws in enumerate(pair)
    ]
    await asyncio.sleep(1)

    steps = []
    run = f"{time.time():.0f}"  # client ids are unique per conversation: fresh ones each run
    for rate in RATES:
        total = rate * STEP_SECONDS
        keys = [f"{run}:{rate}:{n}" for n in range(total)]
        begin = time.perf_counter()
        for n, key in enumerate(keys):
            due = begin + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            buyer_ws = pairs[n % len(pairs)][0]
            sent_at[key] = time.perf_counter()
            await buyer_ws.send(
                json.dumps({"type": "message", "body": f"сообщение {key}", "client_id": key})
            )
        send_seconds = time.perf_counter() - begin
        await asyncio.sleep(GRACE_SECONDS)
        latencies = [(received_at[k] - sent_at[k]) * 1000 for k in keys if k in received_at]
        lost = total - len(latencies)
        step = {
            "rate_per_s": rate,
            "achieved_send_rate_per_s": round(total / send_seconds),
            "messages": total,
            "lost": lost,
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        }
        steps.append(step)
        print(
            f"  {len(chats)} conversations, {rate}/s: p50 {step['p50_ms']} ms, "
            f"p99 {step['p99_ms']} ms, lost {lost}, sent at {step['achieved_send_rate_per_s']}/s",
            flush=True,
        )
        if lost > total * 0.05 or (step["p99_ms"] or 0) > 1000:
            break  # saturated: stop before the queues take the machine down
    for pair in pairs:
        for ws in pair:
            await ws.close()
    for task in listeners:
        task.cancel()
    sustained = [
        s
        for s in steps
        if s["lost"] == 0
        and (s["p99_ms"] or 1e9) < P99_TARGET_MS
        and s["achieved_send_rate_per_s"] >= 0.95 * s["rate_per_s"]
    ]
    return {
        "conversations": len(chats),
        "sockets": 2 * len(chats),
        "connect_seconds": round(connect_seconds, 1),
        "steps": steps,
        "error_events": len(errors),
        "highest_sustained_rate_per_s": max((s["rate_per_s"] for s in sustained), default=0),
    }


def run(*, sizes=(100, 1000)) -> int:
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    chats = conversations(max(sizes))
    ports = free_port(), free_port()
    servers = [start_daphne(port) for port in ports]
    try:
        floor = asyncio.run(redis_floor())
        print(
            f"Raw Redis publish -> subscriber: p50 {floor['p50_ms']} ms, p99 {floor['p99_ms']} ms"
        )
        results = [asyncio.run(scenario(chats[:size], *ports)) for size in sizes]
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=15)
    rows = []
    failures = 0
    for result in results:
        at_1000 = next((s for s in result["steps"] if s["rate_per_s"] == 1000), None)
        for step in result["steps"]:
            rows.append(
                [
                    result["sockets"],
                    step["rate_per_s"],
                    step["achieved_send_rate_per_s"],
                    step["p50_ms"],
                    step["p99_ms"],
                    step["lost"],
                ]
            )
        if result["sockets"] >= 2000:
            ok = bool(at_1000) and at_1000["lost"] == 0 and (at_1000["p99_ms"] or 1e9) < 50
            failures += not ok
        failures += any(s["lost"] for s in result["steps"][:-1])  # loss below saturation
    print(table(rows, ["sockets", "rate/s", "sent/s", "p50 ms", "p99 ms", "lost"]))
    for result in results:
        print(
            f"{result['sockets']} sockets: highest sustained rate with p99 < {P99_TARGET_MS} ms "
            f"and nothing lost: {result['highest_sustained_rate_per_s']}/s "
            f"(connected in {result['connect_seconds']} s, {result['error_events']} error events)"
        )
    path = save("chat", {"redis_floor": floor, "results": results})
    print(f"saved {path}")
    return failures
