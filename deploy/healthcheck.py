"""The container's liveness probe (Dockerfile HEALTHCHECK): GET /healthz on the web role's
HTTP port (PORT, 8000 in the image), exit 0 on 200 and 1 otherwise.

The request names the first of ALLOWED_HOSTS as its host: Django refuses any other with a 400
("127.0.0.1:8000" is rarely among a production site's names). The slim image has no curl."""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    request = urllib.request.Request(url, headers={"Host": host or "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"healthcheck: {url} does not answer: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
