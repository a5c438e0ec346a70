"""An app that calls an OpenAI-compatible API the ordinary way (HTTPS through libssl).

Each round: one chat completion, one streamed completion (with usage), and one call with a
wrong key (401). Prints a line per call. OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL say
where; ROUNDS=0 (default) runs until stopped, INTERVAL is the pause between rounds.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ.get("OPENAI_BASE_URL", "https://mock-openai.vigil-demo.svc:8443/v1").rstrip("/")
KEY = os.environ.get("OPENAI_API_KEY", "")
MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
ROUNDS = int(os.environ.get("ROUNDS", "0"))
INTERVAL = float(os.environ.get("INTERVAL", "5"))


def call(name, body, key):
    req = urllib.request.Request(
        BASE + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + key},
        method="POST",
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        status = err.code
    except (urllib.error.URLError, OSError) as err:
        print("%s: failed: %s" % (name, err), flush=True)
        return None
    ms = (time.monotonic() - start) * 1000
    print("%s: HTTP %d in %.0f ms, %d bytes" % (name, status, ms, len(text)), flush=True)
    return status


def main():
    messages = [{"role": "user", "content": "Say hello to the Vigil sensor."}]
    n = 0
    while ROUNDS == 0 or n < ROUNDS:
        n += 1
        call("chat", {"model": MODEL, "messages": messages}, KEY)
        call("stream", {"model": MODEL, "messages": messages, "stream": True, "stream_options": {"include_usage": True}}, KEY)
        call("bad-key", {"model": MODEL, "messages": messages}, "sk-wrong-key-for-the-demo")
        time.sleep(INTERVAL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
