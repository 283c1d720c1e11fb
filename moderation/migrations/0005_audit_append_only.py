"""The audit log is append-only in the database itself: a trigger refuses every UPDATE and
DELETE of its rows, whatever path tries (the admin is read-only too; this covers code and SQL)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION moderation_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the moderation audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_auditentry_append_only
    BEFORE UPDATE OR DELETE ON moderation_auditentry
    FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS moderation_auditentry_append_only ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_auditentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_moderators_group")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
