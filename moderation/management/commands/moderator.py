"""Make a user a moderator (staff, in the Moderators group, not a superuser), or stop it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

MODERATORS = "Moderators"


class Command(BaseCommand):
    help = "moderator add EMAIL | moderator remove EMAIL | moderator list"

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["add", "remove", "list"])
        parser.add_argument("email", nargs="?")

    @transaction.atomic
    def handle(self, *args, action: str, email: str | None, **options) -> None:
        group = Group.objects.filter(name=MODERATORS).first()
        if group is None:
            raise CommandError("The Moderators group is missing: run manage.py migrate first.")
        if action == "list":
            for user in group.user_set.order_by("email"):
                self.stdout.write(f"{user.email}\t{'active' if user.is_active else 'inactive'}")
            return
        if not email:
            raise CommandError("Give the user's e-mail.")
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {email}: they register on the site first.")
        if action == "add":
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(group)
            self.stdout.write(f"{user.email} is a moderator: they sign in at /admin/.")
        else:
            user.groups.remove(group)
            if not user.is_superuser and not user.groups.exists():
                user.is_staff = False
                user.save(update_fields=["is_staff"])
            self.stdout.write(f"{user.email} is no longer a moderator.")
