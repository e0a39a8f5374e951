"""
Schemathesis hooks for the B3IQ API (loaded through SCHEMATHESIS_HOOKS by scripts/fuzz/run.ts).

Credentials come from the environment the runner sets: a customer (id + token) for customer
operations, the admin token for /v1/admin, and a node's Ed25519 identity key for /v1/nodes.
Node requests are signed per request (b3iq-node-signature-v1, as
packages/protocol/src/signatures/node-signature.ts): six lines, the last the base64url SHA-256 of
the exact body sent, the path relative to the API root. The auth provider marks a node request
with placeholders; `before_call` swaps them for a signer that signs the prepared request. The
ignored_auth check's probes bypass `before_call`, so a probe without (or with altered) credentials
is sent unsigned and must be refused.
"""

import base64
import hashlib
import os
import secrets
import time
from urllib.parse import urlsplit

import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ENV = os.environ
UNSIGNED = "unsigned"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


NODE_ID = ENV["B3IQ_FUZZ_NODE_ID"]
NODE_KEY = Ed25519PrivateKey.from_private_bytes(b64url_decode(ENV["B3IQ_FUZZ_NODE_SECRET_KEY"]))
# The API root's own path (the stage, or an emulator's prefix): signed paths are relative to it.
API_ROOT_PATH = urlsplit(ENV["B3IQ_FUZZ_API_URL"]).path.rstrip("/")


def kind(case) -> str:
    path = case.operation.path
    if path.startswith("/v1/admin/"):
        return "admin"
    if path.startswith("/v1/nodes/"):
        return "node"
    if path == "/v1/openapi.json":
        return "public"
    return "customer"


class NodeSigner(requests.auth.AuthBase):
    """Signs the prepared request: its method, path, a fresh timestamp and nonce, and its body bytes."""

    def __call__(self, request):
        path = urlsplit(request.url).path
        if API_ROOT_PATH and path.startswith(API_ROOT_PATH):
            path = path[len(API_ROOT_PATH) :]
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp = str(int(time.time()))
        nonce = b64url(secrets.token_bytes(16))
        lines = ["b3iq-node-signature-v1", request.method.upper(), path, timestamp, nonce, b64url(hashlib.sha256(body).digest())]
        request.headers["X-B3IQ-Timestamp"] = timestamp
        request.headers["X-B3IQ-Nonce"] = nonce
        request.headers["X-B3IQ-Signature"] = b64url(NODE_KEY.sign("\n".join(lines).encode()))
        return request


# No caching: each operation kind has its own credentials.
@schemathesis.auth(refresh_interval=None)
class B3iqAuth:
    def get(self, case, ctx):
        found = kind(case)
        return None if found == "public" else found

    def set(self, case, data, ctx):
        if data == "customer":
            case.headers["X-B3IQ-Customer-ID"] = ENV["B3IQ_FUZZ_CUSTOMER_ID"]
            case.headers["X-B3IQ-Customer-Token"] = ENV["B3IQ_FUZZ_CUSTOMER_TOKEN"]
        elif data == "admin":
            case.headers["X-B3IQ-Admin-Token"] = ENV["B3IQ_FUZZ_ADMIN_TOKEN"]
        elif data == "node":
            case.headers["X-B3IQ-Node-ID"] = NODE_ID
            for name in ("X-B3IQ-Timestamp", "X-B3IQ-Nonce", "X-B3IQ-Signature"):
                case.headers[name] = UNSIGNED


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # Only the request the provider marked is signed; anything else keeps the credentials it has.
    headers = case.headers or {}
    if kind(case) == "node" and headers.get("X-B3IQ-Node-ID") == NODE_ID and headers.get("X-B3IQ-Signature") == UNSIGNED:
        kwargs["auth"] = NodeSigner()


@schemathesis.hook
def map_body(ctx, body):
    # The fuzz node has no commands, so a pull long-polls its whole wait_seconds (default 20): keep a
    # valid wait short, or the run spends its time waiting. Out-of-range waits are left to be refused.
    if ctx.operation is not None and ctx.operation.path.endswith("/commands/pull") and isinstance(body, dict):
        wait = body.get("wait_seconds", 20)
        if isinstance(wait, int) and not isinstance(wait, bool) and 2 <= wait <= 20:
            body["wait_seconds"] = 1
    return body
