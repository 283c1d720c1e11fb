"""Create the media bucket on the S3 server if it is not there yet (compose.yaml's `s3-bucket`
one-shot); with public media URLs (AWS_QUERYSTRING_AUTH off, the default) let anyone read its
objects, as tests/test_topology.py does. Reads the settings' own variables:
AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_QUERYSTRING_AUTH. Waits up to S3_WAIT_SECONDS (60) for the server to
answer; exits non-zero with the reason when it cannot."""

import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError


def main() -> int:
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        print("s3_bucket: AWS_STORAGE_BUCKET_NAME is not set: nothing to create", file=sys.stderr)
        return 0
    region = os.environ.get("AWS_S3_REGION_NAME") or "us-east-1"
    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        config=Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 1},
            s3={"addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or "auto"},
        ),
    )
    deadline = time.monotonic() + float(os.environ.get("S3_WAIT_SECONDS", "60"))
    while True:
        try:
            client.head_bucket(Bucket=bucket)
            print(f"s3_bucket: {bucket} exists", file=sys.stderr)
            return public_read(client, bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                print(f"s3_bucket: {bucket}: {error}", file=sys.stderr)
                return 1
            break
        except (EndpointConnectionError, BotoCoreError) as error:
            if time.monotonic() > deadline:
                print(f"s3_bucket: the S3 server does not answer: {error}", file=sys.stderr)
                return 1
            time.sleep(1)
    options = {}
    if region != "us-east-1":  # S3 refuses a location constraint naming its default region
        options["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(Bucket=bucket, **options)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            print(f"s3_bucket: cannot create {bucket}: {error}", file=sys.stderr)
            return 1
    print(f"s3_bucket: {bucket} created", file=sys.stderr)
    return public_read(client, bucket)


def public_read(client, bucket: str) -> int:
    """Anyone may read the bucket's objects, unless media URLs are signed."""
    if os.environ.get("AWS_QUERYSTRING_AUTH", "").lower() in {"1", "true", "yes", "on"}:
        return 0  # signed URLs: the bucket stays private
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    try:
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    except ClientError as error:  # a server without bucket policies: its default access stays
        print(f"s3_bucket: {bucket} keeps its default access: {error}", file=sys.stderr)
        return 0
    print(f"s3_bucket: anyone may read the objects of {bucket}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
