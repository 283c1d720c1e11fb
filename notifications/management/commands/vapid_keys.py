"""Print a new VAPID key pair for Web Push, as the settings take it (environment lines)."""

from django.core.management.base import BaseCommand

from notifications.push import key_pair


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair (P-256, base64url: the raw private key and the "
        "uncompressed public point) as VAPID_PRIVATE_KEY=... and VAPID_PUBLIC_KEY=... lines. "
        "Keep it: browsers subscribe to the public key, and a new pair leaves their "
        "subscriptions refused until they subscribe again."
    )

    def handle(self, *args, **options) -> None:
        private, public = key_pair()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
