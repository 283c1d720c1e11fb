"""The project's settings with the test URLs (views that fail on purpose), for subprocesses."""

from zattar.settings import *  # noqa: F403

ROOT_URLCONF = "zattar.tests.urls"
