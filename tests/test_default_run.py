"""`make run` as a newcomer gets it: no DATABASE_URL, no REDIS_URL, no secret. The start brings
up the embedded PostgreSQL, loads the demo data and serves the real search (the same code
production runs): any letter case finds the same ads and a typo is corrected."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from zattar import devdb
from zattar.testing import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("default-run")
    unset = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(EMBEDDED_POSTGRES_DIR=str(folder / "postgres"), MEDIA_ROOT=str(folder / "media"))
    port = free_port()
    log = folder / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "zattar.start", "--port", str(port)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            devdb.stop(folder / "postgres")
            pytest.fail(f"the default run did not come up:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    yield base, folder, process, log
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    devdb.stop(folder / "postgres")  # stopped already unless the start died


def get(base: str, path: str, **query: str) -> str:
    url = f"{base}{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read().decode()


def found_ids(html: str) -> set[str]:
    import re

    return set(re.findall(r'href="/ads/(\d+)[-/]', html))


def test_any_letter_case_finds_the_same_ads(default_site):
    base = default_site[0]
    lower, title, upper = (
        found_ids(get(base, "/search/", q=q)) for q in ("диван", "Диван", "ДИВАН")
    )
    assert lower, "the demo data has sofas"
    assert lower == title == upper


def test_a_typo_is_corrected_on_the_page_and_in_the_api(default_site):
    base = default_site[0]
    html = get(base, "/search/", q="samsng")
    assert "«samsung»" in html
    assert found_ids(html)
    api = json.loads(get(base, "/api/v1/listings", q="samsng"))
    assert api["corrected_query"] == "samsung"
    assert api["count"] > 0


def test_the_demo_sign_in_is_printed_and_no_moderator_exists(default_site):
    log = default_site[3].read_text()
    assert "Demo sign-in for this run: aigerim@demo.zattar.kz / " in log
    assert "zattar-demo-2026" not in log


def test_a_second_run_that_fails_leaves_the_first_runs_database_alone(default_site):
    base, folder, process, _ = default_site
    port = base.rsplit(":", 1)[1]  # taken: the second start's server cannot listen
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(EMBEDDED_POSTGRES_DIR=str(folder / "postgres"), MEDIA_ROOT=str(folder / "media"))
    second = subprocess.run(
        [sys.executable, "-m", "zattar.start", "--port", port],
        cwd=settings.BASE_DIR,
        env={k: v for k, v in env.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}},
        capture_output=True,
        timeout=180,
    )
    assert second.returncode != 0
    assert process.poll() is None
    with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
        assert json.loads(response.read())["checks"]["database"] == "ok"


def test_stopping_the_run_stops_the_embedded_database(default_site):
    _, folder, process, _ = default_site
    assert (folder / "postgres" / "postmaster.pid").exists()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert not (folder / "postgres" / "postmaster.pid").exists()
