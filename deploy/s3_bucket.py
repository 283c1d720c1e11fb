"""Create the media bucket on the S3 server if it is not there yet (compose.yaml's `s3-bucket`
one-shot). Reads the settings' own variables: AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL,
AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. Waits up to S3_WAIT_SECONDS (60)
for the server to answer; exits non-zero with the reason when it cannot."""

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
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )
    deadline = time.monotonic() + float(os.environ.get("S3_WAIT_SECONDS", "60"))
    while True:
        try:
            client.head_bucket(Bucket=bucket)
            print(f"s3_bucket: {bucket} exists", file=sys.stderr)
            return 0
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
