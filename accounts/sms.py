"""Sending SMS, behind one small interface as Django's mail backends are.

`get_sms_backend()` gives the backend settings choose: `FileSmsBackend` whenever SMS_FILE_PATH
is set (development and tests: one JSON line `{"to", "text"}` per message, which a test reads
the code from), else the class SMS_BACKEND names (default `ConsoleSmsBackend`, which prints).
A real provider is a subclass of `BaseSmsBackend` whose `send` raises when the message was not
accepted: the job that called it is retried.
"""

import fcntl
import json
import sys
import threading

from django.conf import settings
from django.utils.module_loading import import_string


class BaseSmsBackend:
    def send(self, to: str, text: str) -> None:
        """Send `text` to the E.164 number `to`; raise if the provider refused it."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each message on standard output (development)."""

    _lock = threading.Lock()

    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, to: str, text: str) -> None:
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(json.dumps({"to": to, "text": text}, ensure_ascii=False) + "\n")
            stream.flush()


class FileSmsBackend(BaseSmsBackend):
    """Appends each message as a JSON line to `path` (SMS_FILE_PATH). An exclusive lock on the
    file keeps lines of several processes whole."""

    def __init__(self, path: str | None = None) -> None:
        self.path = str(path or settings.SMS_FILE_PATH)

    def send(self, to: str, text: str) -> None:
        line = json.dumps({"to": to, "text": text}, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.write(line)
                file.flush()
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)


def get_sms_backend() -> BaseSmsBackend:
    if settings.SMS_FILE_PATH:
        return FileSmsBackend(settings.SMS_FILE_PATH)
    return import_string(settings.SMS_BACKEND)()
