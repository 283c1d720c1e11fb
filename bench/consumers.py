"""The chat floor: a bare Channels consumer on the same layer, auth stack and processes as the
chat, mounted only when BENCH_ROUTES is set. What a socket sends reaches every socket in the
same room, wrapped as the chat wraps a message, with no database and no checks: the real chat's
sustained rate over this one's is the share that the chat's own work leaves."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class EchoConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"bench-echo-{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "echo.message", "message": content}
        )

    async def echo_message(self, event: dict) -> None:
        await self.send_json({"type": "message", "message": event["message"]})
