"""The "Moderators" group: staff who decide on ads, reviews and disputes, and nothing more.

What they may NOT do, by leaving the permission out: change users (passwords, permissions,
staff status), groups, delete or edit ads, add/change/delete audit entries, touch background
jobs. moderation/tests/test_queue.py pins the list."""

from django.db import migrations

GROUP = "Moderators"

PERMISSIONS = [
    # the queue of ads on review: see it, approve/reject/hold
    ("moderation", "view_listingonreview"),
    ("moderation", "moderate_listing"),
    ("moderation", "view_listingflag"),
    # the audit log, read only
    ("moderation", "view_auditentry"),
    # reports: every report read only; the queue of reports about users and messages, with
    # its actions (dismiss, resolved)
    ("moderation", "view_report"),
    ("moderation", "view_peoplereport"),
    ("moderation", "change_peoplereport"),
    # bans: ban and lift bans from the users' list (its actions), read the history here
    ("moderation", "add_ban"),
    ("moderation", "view_ban"),
    # the banned words list that holds ads
    ("moderation", "view_bannedword"),
    ("moderation", "add_bannedword"),
    ("moderation", "change_bannedword"),
    ("moderation", "delete_bannedword"),
    # every ad, read only (hold, approve, reject are actions under moderate_listing)
    ("listings", "view_listing"),
    ("listings", "view_listingimage"),
    # users, read only: the seller behind an ad
    ("accounts", "view_user"),
    # the phone reveal log and who asked for codes (the codes themselves are never stored)
    ("accounts", "view_phonereveal"),
    ("accounts", "view_phonecode"),
    # conversations, read only (a reported message in its context)
    ("chat", "view_conversation"),
    ("chat", "view_message"),
    # Safe Deal disputes and reviews
    ("deals", "view_safedeal"),
    ("deals", "moderate_safedeal"),
    ("deals", "view_dealevent"),
    ("deals", "view_escrowentry"),
    ("deals", "view_review"),
    ("deals", "hide_review"),
]


def create_moderators(apps, schema_editor) -> None:
    from django.contrib.auth.management import create_permissions

    # Permissions are normally written after all migrations ran: write them now.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in PERMISSIONS
    ]
    group.permissions.set(wanted)


def remove_moderators(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
        ("accounts", "0002_phone_verification"),
        ("chat", "0004_safe_chat"),
        ("listings", "0009_moderation_statuses"),
        ("deals", "0003_review_hidden"),
        ("moderation", "0003_listing_on_review"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
