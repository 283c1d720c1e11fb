import os
import subprocess
import sys

from django.conf import settings


def _import_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import zattar.settings"],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_development_secret_key():
    result = _import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _import_settings(DEBUG="false", SECRET_KEY="a-real-secret-" + "x" * 40)
    assert result.returncode == 0, result.stderr


def test_development_is_the_default_without_a_secret():
    assert _import_settings().returncode == 0
