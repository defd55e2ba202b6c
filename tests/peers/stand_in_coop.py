#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checks python_peer.py end to end against a stand-in for a Coopnet node.

The stand-in is a few aiohttp handlers with their own draft-cavage signing and
verification written on `cryptography` alone (no bovine), so the peer is checked
against a second implementation. It launches the peer exactly as the Rust tests
do, accepts its Follow, publishes a Note once the result file says accepted,
and then checks the reply and the Undo. It is a check of the peer only: the
Rust node's own tests are what speak for the node.

    python3 tests/peers/stand_in_coop.py
"""

import asyncio
import base64
import email.utils
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import uuid
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AS_JSON = "application/activity+json"
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signing_string(names, method, target, headers):
    lines = []
    for name in names:
        value = f"{method.lower()} {target}" if name == "(request-target)" else headers[name]
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")


class StandInCoop:
    def __init__(self, port):
        self.origin = f"http://127.0.0.1:{port}"
        self.id = f"{self.origin}/coops/bakery"
        self.key_id = f"{self.id}#main-key"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.inbox_log = []  # (activity, signed headers) the peer delivered
        self.refusals = []
        self.follower_inbox = None

    def actor(self):
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id,
            "type": "Group",
            "preferredUsername": "bakery",
            "name": "Bakery Co-op",
            "inbox": f"{self.id}/inbox",
            "outbox": f"{self.id}/outbox",
            "followers": f"{self.id}/followers",
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": pem},
        }

    async def verify(self, request, body):
        """Independent check of the peer's signature; returns the signer's actor document."""
        fields = dict(re.findall(r'(\w+)="([^"]*)"', request.headers.get("Signature", "")))
        names = fields.get("headers", "").split()
        wanted = ["(request-target)", "host", "date"] + (["digest"] if request.method == "POST" else [])
        if request.method == "POST" and names != wanted:
            raise ValueError(f"signed headers {names}, wanted {wanted}")
        if fields.get("algorithm") != "rsa-sha256":
            raise ValueError(f"algorithm {fields.get('algorithm')}")
        if request.method == "POST":
            digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            if request.headers.get("Digest") != digest:
                raise ValueError(f"Digest {request.headers.get('Digest')} != {digest}")
        async with aiohttp.ClientSession() as session:
            async with session.get(fields["keyId"].split("#")[0], headers={"Accept": AS_JSON}) as response:
                signer = await response.json(content_type=None)
        if signer["publicKey"]["id"] != fields["keyId"]:
            raise ValueError("keyId is not the actor's key")
        key = serialization.load_pem_public_key(signer["publicKey"]["publicKeyPem"].encode())
        message = signing_string(names, request.method, request.path_qs, request.headers)
        key.verify(base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256())
        return signer

    async def deliver(self, inbox, activity):
        body = json.dumps(activity).encode()
        parts = urlsplit(inbox)
        headers = {
            "Host": parts.netloc,
            "Date": email.utils.formatdate(usegmt=True),
            "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
            "Content-Type": AS_JSON,
        }
        names = ["(request-target)", "host", "date", "digest"]
        lowered = {name.lower(): value for name, value in headers.items()}
        raw = self.key.sign(signing_string(names, "POST", parts.path, lowered), padding.PKCS1v15(), hashes.SHA256())
        headers["Signature"] = (
            f'keyId="{self.key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
            f'signature="{base64.b64encode(raw).decode()}"'
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(inbox, data=body, headers=headers) as response:
                return response.status

    async def webfinger(self, request):
        if request.query.get("resource") != f"acct:bakery@{urlsplit(self.origin).netloc}":
            return web.json_response({}, status=404)
        link = {"rel": "self", "type": AS_JSON, "href": self.id}
        return web.json_response({"subject": request.query["resource"], "links": [link]})

    async def serve_actor(self, request):
        try:
            await self.verify(request, b"")  # this stand-in insists on signed fetches
        except Exception as problem:
            self.refusals.append(f"GET actor: {problem!r}")
            return web.json_response({"error": "signature required"}, status=401)
        return web.json_response(self.actor(), content_type=AS_JSON)

    async def inbox(self, request):
        body = await request.read()
        try:
            signer = await self.verify(request, body)
        except Exception as problem:
            self.refusals.append(f"POST inbox: {problem!r}")
            return web.json_response({"error": "bad signature"}, status=401)
        activity = json.loads(body)
        self.inbox_log.append(activity)
        if activity.get("type") == "Follow":
            self.follower_inbox = signer["endpoints"]["sharedInbox"]
            accept = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.id}/accepts/{uuid.uuid4()}",
                "type": "Accept",
                "actor": self.id,
                "object": activity["id"],
            }
            asyncio.get_running_loop().create_task(self.deliver(signer["inbox"], accept))
        return web.Response(status=202)


async def read_result(path):
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, ValueError):
        return {}


async def main():
    port = free_port()
    coop = StandInCoop(port)
    app = web.Application()
    app.add_routes(
        [
            web.get("/.well-known/webfinger", coop.webfinger),
            web.get("/coops/bakery", coop.serve_actor),
            web.post("/coops/bakery/inbox", coop.inbox),
        ]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()

    out = os.path.join(tempfile.mkdtemp(prefix="peer-check-"), "result.json")
    peer_port = free_port()
    peer = await asyncio.create_subprocess_exec(
        sys.executable, os.path.join(HERE, "python_peer.py"),
        "--node", coop.origin, "--coop", "bakery", "--listen-port", str(peer_port),
        "--out", out, "--timeout", "30", "--linger", "0.2",
    )
    note_id = f"{coop.id}/posts/1"
    for _ in range(300):
        if (await read_result(out)).get("accepted"):
            break
        await asyncio.sleep(0.1)
    note = {
        "id": note_id, "type": "Note", "attributedTo": coop.id, "content": "<p>Fresh rye today</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [f"{coop.id}/followers"],
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity", "type": "Create",
        "actor": coop.id, "object": note, "to": note["to"], "cc": note["cc"],
    }
    create_status = await coop.deliver(coop.follower_inbox or f"http://127.0.0.1:{peer_port}/inbox", create)
    code = await asyncio.wait_for(peer.wait(), timeout=40)
    await runner.cleanup()

    result = await read_result(out)
    received = {entry["type"]: entry for entry in result.get("received", [])}
    delivered = {activity["type"]: activity for activity in coop.inbox_log}
    reply = delivered.get("Create", {}).get("object", {})
    undone = delivered.get("Undo", {}).get("object", {})
    checks = [
        ("peer exits 0", code, 0),
        ("stand-in refused nothing", coop.refusals, []),
        ("follow_status", result.get("follow_status"), 202),
        ("accepted", result.get("accepted"), True),
        ("Accept verified by the peer", received.get("Accept", {}).get("signature_ok"), True),
        ("Create(Note) delivered", create_status, 202),
        ("Create verified by the peer", received.get("Create", {}).get("signature_ok"), True),
        ("reply_status", result.get("reply_status"), 202),
        ("undo_status", result.get("undo_status"), 202),
        ("reply is in reply to the note", reply.get("inReplyTo"), note_id),
        ("reply content", reply.get("content"), "<p>Lovely bread!</p>"),
        ("reply addressed to the co-op", reply.get("to"), [coop.id]),
        ("reply id under the peer origin", str(reply.get("id", "")).startswith(f"http://127.0.0.1:{peer_port}/"), True),
        ("Undo embeds the Follow", undone.get("id"), result.get("follow_id")),
        ("no errors", result.get("errors"), []),
        ("done", result.get("done"), True),
    ]
    failed = 0
    for name, got, wanted in checks:
        ok = got == wanted
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'}: {name}" + ("" if ok else f" (got {got!r}, wanted {wanted!r})"))
    print(f"stand_in_coop: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
