"""A tiny OpenAI-compatible server over HTTPS, so the example runs with no API key.

POST /v1/chat/completions (plain JSON or SSE when "stream": true), GET /v1/models, GET /healthz.
A request whose bearer token is not MOCK_API_KEY gets OpenAI's 401 error body. Python's ssl
module uses the system libssl, which is what the Vigil sensor's uprobes attach to.
"""
import json
import os
import ssl
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = os.environ.get("MOCK_API_KEY", "")
REPLY = "Hello from the Vigil mock: this answer is canned."


def usage(prompt_chars):
    prompt = max(1, prompt_chars // 4)
    completion = len(REPLY.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("mock-openai: " + (fmt % args) + "\n")

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex[:24])
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            return self.send_json(200, {"status": "ok"})
        if self.path == "/v1/models":
            return self.send_json(200, {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "vigil-mock"}]})
        self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/v1/chat/completions":
            return self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        if API_KEY and self.headers.get("Authorization") != "Bearer " + API_KEY:
            return self.send_json(401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
        model = body.get("model", "gpt-4o-mini")
        ident = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if body.get("stream"):
            return self.stream(ident, created, model, usage(len(raw)) if (body.get("stream_options") or {}).get("include_usage") else None)
        self.send_json(200, {
            "id": ident, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
            "usage": usage(len(raw)),
        })

    def stream(self, ident, created, model, final_usage):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(payload):
            data = ("data: " + payload + "\n\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        base = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
        for i, word in enumerate(REPLY.split()):
            event(json.dumps({**base, "choices": [{"index": 0, "delta": {"content": (" " if i else "") + word}, "finish_reason": None}]}))
            time.sleep(0.02)
        event(json.dumps({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        if final_usage:
            event(json.dumps({**base, "choices": [], "usage": final_usage}))
        event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")


def main():
    port = int(os.environ.get("PORT", "8443"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ.get("TLS_CERT", "/tls/tls.crt"), os.environ.get("TLS_KEY", "/tls/tls.key"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "0.0.0.0"), port), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("mock-openai: listening on https://%s:%d" % server.server_address[:2], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
