"""Where uploaded files live: the local disk in development, an S3 API (AWS S3, MinIO, Yandex
Object Storage, ...) when AWS_STORAGE_BUCKET_NAME is set; and what a failure of that place looks
like to the services that write and delete files."""

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import Storage

logger = logging.getLogger(__name__)

# The storage did not answer, refused, or failed: connection refused, connect or read timeout,
# a 5xx or a 403 after the retries (botocore, or boto3's S3UploadFailedError around them), and
# the local disk's own failures (full, read-only). A service turns these into its domain error.
STORAGE_FAILURES: tuple[type[BaseException], ...] = (
    BotoCoreError,
    ClientError,
    Boto3Error,
    OSError,
)


def s3_storage(
    *,
    bucket_name: str,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    custom_domain: str | None = None,
    addressing_style: str | None = None,
    querystring_auth: bool = False,
    querystring_expire: int = 3600,
    connect_timeout: float = 2.0,
    read_timeout: float = 10.0,
    max_attempts: int = 2,
) -> dict:
    """A STORAGES entry for media on an S3 API.

    URLs are public bucket URLs (`querystring_auth` off: the bucket, or the CDN at
    `custom_domain`, serves its objects to anyone) or signed URLs valid for
    `querystring_expire` seconds (on: the bucket stays private). Every call to the API gives up
    after `connect_timeout` to connect and `read_timeout` for an answer, `max_attempts` times
    in all, so that a storage that is down costs an upload seconds, not minutes."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket_name,
            "endpoint_url": endpoint_url,
            "region_name": region_name,
            "access_key": access_key,
            "secret_key": secret_key,
            "custom_domain": custom_domain,
            "file_overwrite": False,
            "querystring_auth": querystring_auth,
            "querystring_expire": querystring_expire,
            "default_acl": None,
            "client_config": Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style} if addressing_style else None,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": max_attempts, "mode": "standard"},
            ),
        },
    }


def s3_media_origins(
    *,
    bucket_name: str,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    custom_domain: str | None = None,
) -> list[str]:
    """Where pages will load media from, for the Content-Security-Policy's img-src: the CDN,
    the endpoint (path-style and virtual-host URLs), or AWS's bucket host."""
    if custom_domain:
        return [f"https://{custom_domain}"]
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [
            f"{parts.scheme}://{parts.netloc}",
            f"{parts.scheme}://{bucket_name}.{parts.netloc}",
        ]
    hosts = [f"https://{bucket_name}.s3.amazonaws.com"]
    if region_name:
        hosts.append(f"https://{bucket_name}.s3.{region_name}.amazonaws.com")
    return hosts


def delete_quietly(files: Iterable[tuple[Storage, str]]) -> None:
    """Delete stored files, as far as the storage lets us: a file that cannot be deleted now
    (the storage is down) is logged and left behind, never an error for the user, whose row is
    already gone."""
    for storage, name in files:
        if not name:
            continue
        try:
            storage.delete(name)
        except STORAGE_FAILURES as error:
            logger.warning("stored file %s not deleted (left behind): %r", name, error)
