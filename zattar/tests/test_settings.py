import ast
import subprocess

import pytest
from django.db import connection

from zattar.testing import run_python

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-real-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "zattar.kz",
    "EMAIL_HOST": "smtp.zattar.kz",
}
SHOW = "import zattar.settings as s; print(repr({k: getattr(s, k) for k in %r}))"


def _import_settings(*, code: str = "import zattar.settings", **env) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "EMAIL_BACKEND", "EMAIL_ALLOW_UNSENT"}
    return run_python(code, unset=unset, **env)


def test_production_refuses_the_development_secret_key():
    result = _import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _import_settings(**PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("hosts", ["", "*", "zattar.kz,*"])
def test_production_refuses_missing_or_wildcard_allowed_hosts(hosts):
    result = _import_settings(**{**PRODUCTION, "ALLOWED_HOSTS": hosts})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("backend", ["console", "locmem", "dummy", "filebased"])
def test_production_refuses_mail_that_never_leaves_the_machine(backend):
    path = f"django.core.mail.backends.{backend}.EmailBackend"
    result = _import_settings(**{**PRODUCTION, "EMAIL_BACKEND": path})
    assert result.returncode != 0
    assert "EMAIL_BACKEND" in result.stderr
    allowed = _import_settings(**{**PRODUCTION, "EMAIL_BACKEND": path, "EMAIL_ALLOW_UNSENT": "1"})
    assert allowed.returncode == 0, allowed.stderr


def test_production_mails_through_smtp_by_default():
    names = ["EMAIL_BACKEND_PATH"]
    result = _import_settings(code=SHOW % names, **PRODUCTION)
    assert "smtp.EmailBackend" in result.stdout, result.stderr


def test_production_refuses_to_start_without_a_database_url():
    result = _import_settings(**{**PRODUCTION, "DATABASE_URL": ""})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_sqlite_is_refused_everywhere():
    result = _import_settings(DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_production_is_https_only_by_default():
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    ]
    result = _import_settings(code=SHOW % names, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    shown = ast.literal_eval(result.stdout)
    assert shown["SECURE_SSL_REDIRECT"] and shown["SESSION_COOKIE_SECURE"]
    assert shown["CSRF_COOKIE_SECURE"] and shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert shown["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert shown["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_check_deploy_is_clean_with_the_documented_production_environment():
    """`manage.py check --deploy --fail-level WARNING` as the start runs it (on the migrated
    test database), with the values README's production section lists."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = _import_settings(
        code="import django.core.management as m; m.execute_from_command_line("
        "['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **{**PRODUCTION, "DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_is_the_default_without_a_secret():
    assert _import_settings().returncode == 0


def test_production_mails_through_the_smtp_server_email_url_names():
    names = ["EMAIL_BACKEND_PATH", "MAILERS"]
    url = "smtp+tls://noreply%40zattar.kz:s3cret@smtp.zattar.kz:587"
    result = _import_settings(code=SHOW % names, **{**PRODUCTION, "EMAIL_URL": url})
    assert result.returncode == 0, result.stderr
    shown = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert shown["EMAIL_BACKEND_PATH"] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown["MAILERS"]["default"]["OPTIONS"] == {
        "host": "smtp.zattar.kz",
        "port": 587,
        "username": "noreply@zattar.kz",
        "password": "s3cret",
        "use_tls": True,
        "timeout": 10,
    }
