"""Chat across two server processes sharing Redis.

N conversations, the buyer's socket on one process and the seller's on the other (half the
buyers on each), so every message crosses processes. For each rate step, buyers send for a few
seconds; the benchmark records send-to-receipt time on the seller's side and counts what never
arrived. Beside it, two floors: the raw Redis publish-to-subscriber round trip, and a bare
Channels echo consumer (bench/consumers.py: no database, no checks) on the same layer, auth
stack and processes, driven exactly as the chat is. The chat's highest sustained rate is
reported as a share of the echo's; at 2,000 sockets it must be at least ECHO_SHARE_TARGET.
"""

import asyncio
import json
import os
import resource
import signal
import statistics
import time
from pathlib import Path

import redis.asyncio as aioredis
import websockets
from django.conf import settings
from django.db import connection, transaction
from rest_framework_simplejwt.tokens import AccessToken

from bench.common import RESULTS, percentile, save, table
from bench.search import ensure_ads
from chat.models import Conversation
from listings.models import Listing
from zattar.testing import daphne_process, free_port

RATES = [100, 150, 200, 250, 300, 400, 500, 750, 1000, 1250, 1500]
STEP_SECONDS = 5
GRACE_SECONDS = 3
WARMUP_RATE = 200
PING_INTERVAL_SECONDS = 20  # daphne's default
P99_TARGET_MS = 50
ECHO_SHARE_TARGET = 0.8
SOCKET_PATHS = {"chat": "/api/v1/ws/chat/{}/", "echo": "/api/v1/ws/bench-echo/{}/"}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def named_pids(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


class CpuMeter:
    """CPU seconds used by the servers, PostgreSQL, Redis and this load generator over a step:
    where each message's cost goes."""

    def __init__(self, server_pids: list[int]):
        self.server_pids = server_pids

    def read(self) -> dict[str, dict[int, float]]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        pids = {
            "daphne": self.server_pids,
            "postgres": named_pids("postgres"),  # backends come and go: read them each time
            "redis": named_pids("redis-server"),
        }
        return {
            **{group: {pid: process_cpu(pid) for pid in ids} for group, ids in pids.items()},
            "load generator": {0: usage.ru_utime + usage.ru_stime},
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        return {
            group: sum(cpu - before[group].get(pid, 0.0) for pid, cpu in after[group].items())
            for group in after
        }


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
    users = User.objects.in_bulk({user_id for _, *pair in rows for user_id in pair})
    return [
        (chat_id, access_token(users[buyer]), access_token(users[seller]))
        for chat_id, buyer, seller in rows
    ]


def access_token(user) -> str:
    """As the API issues them: with the password's revocation claim (CHECK_REVOKE_TOKEN)."""
    return str(AccessToken.for_user(user))


def start_daphne(port: int, name: str):
    RESULTS.mkdir(exist_ok=True)
    return daphne_process(
        port,
        log=(RESULTS / f"chat-daphne-{name}.log").open("w"),  # the latest run's
        CHAT_FLOOD_LIMIT="1000000",  # flood control is policy; this measures capacity
        CHANNEL_LAYER_PREFIX="zattar-chatbench",
        BENCH_ROUTES="true",  # the echo floor
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


async def scenario(
    chats, port_a: int, port_b: int, meter: CpuMeter, rates: list[int], kind: str = "chat"
) -> dict:
    """Connect both sides of every conversation, then step the rate up until it breaks. `kind`
    "echo": the same sockets on the bare echo consumer (the floor) instead of the chat."""
    sent_at: dict[str, float] = {}
    received_at: dict[str, float] = {}
    errors: list[dict] = []

    async def connect(port, chat_id, token):
        url = f"ws://127.0.0.1:{port}{SOCKET_PATHS[kind].format(chat_id)}?token={token}"
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
        # People connect at their own moments, not all at once: spread over one keepalive
        # interval. (Connected within the same 2 s, daphne pings hundreds of sockets in one
        # go every 20 s for as long as they stay: see the README.)
        await asyncio.sleep(index * PING_INTERVAL_SECONDS / len(chats))
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

    run = f"{time.time():.0f}"  # client ids are unique per conversation: fresh ones each run

    async def send_at(rate: int, keys: list[str]) -> None:
        begin = time.perf_counter()
        for n, key in enumerate(keys):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            buyer_ws = pairs[n % len(pairs)][0]
            sent_at[key] = time.perf_counter()
            await buyer_ws.send(
                json.dumps({"type": "message", "body": f"сообщение {key}", "client_id": key})
            )

    # Unmeasured: every conversation once, so that connections are open and statements
    # prepared, as on a server that has been up for a while.
    await send_at(WARMUP_RATE, [f"{run}:warm-up:{n}" for n in range(len(pairs))])
    await asyncio.sleep(GRACE_SECONDS)

    steps = []
    for index, rate in enumerate(rates):
        total = rate * STEP_SECONDS
        keys = [f"{run}:{index}:{n}" for n in range(total)]
        cpu_before = meter.read()
        begin = time.perf_counter()
        await send_at(rate, keys)
        send_seconds = time.perf_counter() - begin
        await asyncio.sleep(GRACE_SECONDS)
        cpu = CpuMeter.spent(cpu_before, meter.read())
        latencies = [(received_at[k] - sent_at[k]) * 1000 for k in keys if k in received_at]
        lost = total - len(latencies)
        step = {
            "rate_per_s": rate,
            "achieved_send_rate_per_s": round(total / send_seconds),
            "messages": total,
            "lost": lost,
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
            "cpu_ms_per_message": {k: round(v * 1000 / total, 3) for k, v in cpu.items()},
        }
        steps.append(step)
        print(
            f"  {kind}, {len(chats)} conversations, {rate}/s: p50 {step['p50_ms']} ms, "
            f"p99 {step['p99_ms']} ms, lost {lost}, sent at {step['achieved_send_rate_per_s']}/s; "
            "CPU ms per message: "
            + ", ".join(f"{k} {v}" for k, v in step["cpu_ms_per_message"].items()),
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
        "kind": kind,
        "conversations": len(chats),
        "sockets": 2 * len(chats),
        "connect_seconds": round(connect_seconds, 1),
        "steps": steps,
        "error_events": len(errors),
        "highest_sustained_rate_per_s": max((s["rate_per_s"] for s in sustained), default=0),
    }


def run(*, sizes=(100, 1000), rates=RATES) -> int:
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    ensure_ads(max(sizes) * 20)  # ads of distinct sellers to talk about, when run on its own
    chats = conversations(max(sizes))
    with connection.cursor() as cursor:
        # This machine's PostgreSQL runs without autovacuum (CI's setting): clear what earlier
        # runs left, as autovacuum would in production.
        cursor.execute("VACUUM (ANALYZE) chat_conversation, chat_message")
    ports = free_port(), free_port()
    servers = [start_daphne(port, name) for port, name in zip(ports, "ab", strict=True)]
    try:
        floor = asyncio.run(redis_floor())
        print(
            f"Raw Redis publish -> subscriber: p50 {floor['p50_ms']} ms, p99 {floor['p99_ms']} ms"
        )
        meter = CpuMeter([server.pid for server in servers])
        results, echoes = [], []
        for size in sizes:  # the floor first, then the chat, on the same processes
            echoes.append(asyncio.run(scenario(chats[:size], *ports, meter, rates, "echo")))
            results.append(asyncio.run(scenario(chats[:size], *ports, meter, rates)))
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=15)
    rows = []
    failures = 0
    for echo, result in zip(echoes, results, strict=True):
        for kind, run_ in (("echo", echo), ("chat", result)):
            for step in run_["steps"]:
                rows.append(
                    [
                        kind,
                        run_["sockets"],
                        step["rate_per_s"],
                        step["achieved_send_rate_per_s"],
                        step["p50_ms"],
                        step["p99_ms"],
                        step["lost"],
                    ]
                )
        floor_rate = echo["highest_sustained_rate_per_s"]
        result["echo_floor_rate_per_s"] = floor_rate
        # The echo sustained every step: its floor is at least the top rate, not exactly it.
        result["echo_floor_capped"] = len(echo["steps"]) == len(rates) and floor_rate == max(rates)
        result["share_of_echo"] = (
            round(result["highest_sustained_rate_per_s"] / floor_rate, 3) if floor_rate else None
        )
        if result["sockets"] >= 2000:
            failures += (result["share_of_echo"] or 0) < ECHO_SHARE_TARGET
        failures += any(s["lost"] for s in result["steps"][:-1])  # loss below saturation
    print(table(rows, ["consumer", "sockets", "rate/s", "sent/s", "p50 ms", "p99 ms", "lost"]))
    for result in results:
        floor_text = (">= " if result["echo_floor_capped"] else "") + str(
            result["echo_floor_rate_per_s"]
        )
        print(
            f"{result['sockets']} sockets: highest sustained rate with p99 < {P99_TARGET_MS} ms "
            f"and nothing lost: chat {result['highest_sustained_rate_per_s']}/s, echo floor "
            f"{floor_text}/s, share {result['share_of_echo']} (target at 2,000 sockets: "
            f">= {ECHO_SHARE_TARGET}); connected in {result['connect_seconds']} s, "
            f"{result['error_events']} error events"
        )
    path = save("chat", {"redis_floor": floor, "echo_floor": echoes, "results": results})
    print(f"saved {path}")
    return failures
