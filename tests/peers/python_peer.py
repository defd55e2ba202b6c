#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""A small fediverse server that plays a third-party peer in Coopnet's end-to-end tests.

It is built on bovine (an ActivityPub library from PyPI) and aiohttp, not on any
Coopnet code, so it checks the node against someone else's reading of the
protocols. See README.md beside this file for the flow and the result file.

    python3 python_peer.py --node http://localhost:PORT --coop HANDLE \
        --listen-port P --out RESULT.json [--timeout 60]
    python3 python_peer.py --selftest
"""

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
import tempfile
import uuid
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from bovine.activitystreams import Actor
from bovine.activitystreams.activity_factory import ActivityFactory
from bovine.activitystreams.object_factory import ObjectFactory
from bovine.activitystreams.utils import id_for_object
from bovine.clients.signed_http_methods import signed_get
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.digest import validate_digest
from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import HttpSignature
from bovine.crypto.signature import Signature
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from bovine.utils import get_gmt_now, webfinger_response_json

AS_JSON = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
GROUP = "tools"
FORUM_REPLY_CONTENT = "<p>We pay everyone the same; it works.</p>"
FLAG_CONTENT = "Looks like an advert"
THREAD_CONTENT = "Rotating the dull jobs: how do your co-ops do it?"
JRD_JSON = "application/jrd+json"
USERNAME = "alice"
REPLY_CONTENT = "<p>Lovely bread!</p>"
# Headers the peer signs on its POSTs, and requires the node to sign on its own.
POST_SIGNED_HEADERS = ("(request-target)", "host", "date", "digest")

log = logging.getLogger("python_peer")


class PeerError(Exception):
    """A step of the flow failed; the message says which and why."""


def is_success(status):
    return status is not None and 200 <= status < 300


def brief(text):
    """A response body squeezed onto one short line for messages."""
    return " ".join(text.split())[:300]


def object_of(activity):
    value = activity.get("object")
    return value if isinstance(value, dict) else None


def summarize(activity, signature_ok, inbox, signer, reason):
    """The line recorded in the result file for one delivered activity."""
    obj = object_of(activity)
    return {
        "type": activity.get("type"),
        "id": activity.get("id"),
        "actor": id_for_object(activity.get("actor")),
        "object_type": obj.get("type") if obj else None,
        "object_id": id_for_object(activity.get("object")),
        "content": (obj or {}).get("content", activity.get("content")),
        "signature_ok": signature_ok,
        "signed_by": signer,
        "inbox": inbox,
        "rejected_because": reason,
    }


def find_public_key(document, key_id):
    """The publicKey entry of an actor (or a bare key document) whose id is key_id."""
    if "publicKeyPem" in document:
        return document
    keys = document.get("publicKey")
    keys = keys if isinstance(keys, list) else [keys] if keys else []
    for key in keys:
        if isinstance(key, dict) and key.get("id") == key_id:
            return key
    return None


class Peer:
    """The actor alice on http://localhost:PORT, its key, its server and its side of the flow."""

    def __init__(self, origin, out_path=None):
        self.origin = origin
        self.actor_id = f"{origin}/users/{USERNAME}"
        self.key_id = f"{self.actor_id}#main-key"
        self.public_pem, private_pem = generate_rsa_public_private_key()
        self.secret = CryptographicSecret.from_pem(self.key_id, private_pem)
        self.actor = self.actor_document()
        self.activities = ActivityFactory(self.actor, id_generator=self.new_object_id)
        self.objects = ObjectFactory(actor_information=self.actor, id_generator=self.new_object_id)
        self.served = {}  # object id -> JSON served at that id
        self.keys = {}  # key id -> CryptographicIdentifier
        self.check_signature = build_validate_http_signature_raw(self.public_key_for)
        self.session = None
        self.reply_to_containing = None
        self.out_path = out_path
        self.coop = None
        self.follow = None
        self.note = None
        self.phase = "starting"
        self.accepted = asyncio.Event()
        self.rejected = asyncio.Event()
        self.note_arrived = asyncio.Event()
        self.mode = "coop"
        self.thread = None  # the first thread the forum announced
        self.threads = []  # every thread announced, in order
        self.expected_threads = 1
        self.thread_arrived = asyncio.Event()
        # The Lemmy-style community this peer hosts in community mode, with a key of its own.
        self.group_id = f"{origin}/c/{GROUP}"
        self.group_key_id = f"{self.group_id}#main-key"
        self.group_public_pem, group_private_pem = generate_rsa_public_private_key()
        self.group_secret = CryptographicSecret.from_pem(self.group_key_id, group_private_pem)
        self.group_followers = []  # (follower id, inbox)
        self.community_page = None
        self.community_replied = asyncio.Event()
        self.result = {
            "follow_status": None,
            "accepted": False,
            "received": [],
            "reply_status": None,
            "undo_status": None,
            "errors": [],
            "peer_actor": self.actor_id,
            "coop_actor": None,
            "follow_id": None,
            "note_id": None,
            "reply_id": None,
            "thread_id": None,
            "thread_ids": [],
            "reply_ids": [],
            "flag_status": None,
            "started_thread_id": None,
            "start_status": None,
            "community_follower": None,
            "community_page_id": None,
            "community_reply": None,
            "done": False,
        }

    # ---- identity and documents -------------------------------------------------

    def new_object_id(self):
        return f"{self.origin}/objects/{uuid.uuid4()}"

    def actor_document(self):
        actor = Actor(
            id=self.actor_id,
            type="Person",
            preferred_username=USERNAME,
            name="Alice (bovine test peer)",
            inbox=f"{self.actor_id}/inbox",
            outbox=f"{self.actor_id}/outbox",
            public_key=self.public_pem,
            public_key_name="main-key",
            properties={
                "followers": f"{self.actor_id}/followers",
                "following": f"{self.actor_id}/following",
                "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            },
        )
        return actor.build()

    def remember(self, document):
        """Serve document at its id, so the node can dereference what alice sent."""
        self.served[document["id"]] = document
        return document

    # ---- result file --------------------------------------------------------------

    def save(self):
        """Rewrite the whole result file atomically."""
        if not self.out_path:
            return
        folder = os.path.dirname(os.path.abspath(self.out_path))
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".peer-", suffix=".json")
        with os.fdopen(handle, "w") as file:
            json.dump(self.result, file, indent=2)
        os.replace(temporary, self.out_path)

    def error(self, message):
        log.error(message)
        self.result["errors"].append(message)
        self.save()

    # ---- HTTP server ------------------------------------------------------------

    def web_app(self):
        app = web.Application()
        app.add_routes(
            [
                web.get("/.well-known/webfinger", self.serve_webfinger),
                web.get("/.well-known/nodeinfo", self.serve_nodeinfo_links),
                web.get("/nodeinfo/2.0", self.serve_nodeinfo),
                web.get(f"/users/{USERNAME}", self.serve_actor),
                web.get(f"/users/{USERNAME}/{{collection:outbox|followers|following}}", self.serve_collection),
                web.get("/objects/{uuid}", self.serve_object),
                web.get(f"/c/{GROUP}", self.serve_group),
                web.get(f"/c/{GROUP}/{{collection:outbox|followers|following|moderators|featured}}", self.serve_group_collection),
                web.post(f"/c/{GROUP}/inbox", self.receive),
                web.post(f"/users/{USERNAME}/inbox", self.receive),
                web.post("/inbox", self.receive),
            ]
        )
        return app

    async def serve_webfinger(self, request):
        host = urlsplit(self.origin).netloc
        for name, actor_id in ((USERNAME, self.actor_id), (GROUP, self.group_id)):
            account = f"acct:{name}@{host}"
            if request.query.get("resource") in (account, actor_id):
                return web.json_response(webfinger_response_json(account, actor_id), content_type=JRD_JSON)
        return web.json_response({"error": "unknown resource"}, status=404)

    async def serve_nodeinfo_links(self, request):
        link = {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f"{self.origin}/nodeinfo/2.0"}
        return web.json_response({"links": [link]})

    async def serve_nodeinfo(self, request):
        software = {"name": "bovine-test-peer", "version": "0.1"}
        return web.json_response(
            {
                "version": "2.0",
                "software": software,
                "protocols": ["activitypub"],
                "services": {"inbound": [], "outbound": []},
                "openRegistrations": False,
                "usage": {"users": {"total": 1}},
                "metadata": {},
            }
        )

    async def serve_actor(self, request):
        return web.json_response(self.actor, content_type=AS_JSON)

    async def serve_collection(self, request):
        collection_id = f"{self.actor_id}/{request.match_info['collection']}"
        collection = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": collection_id,
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }
        return web.json_response(collection, content_type=AS_JSON)

    def group_document(self):
        """A community as Lemmy serves one: a Group with moderators and featured collections."""
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.group_id,
            "type": "Group",
            "preferredUsername": GROUP,
            "name": "Tools (a Lemmy-style community)",
            "summary": "<p>Sharing tools between co-ops.</p>",
            "inbox": f"{self.group_id}/inbox",
            "outbox": f"{self.group_id}/outbox",
            "followers": f"{self.group_id}/followers",
            "attributedTo": f"{self.group_id}/moderators",
            "featured": f"{self.group_id}/featured",
            "postingRestrictedToMods": False,
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {"id": self.group_key_id, "owner": self.group_id, "publicKeyPem": self.group_public_pem},
        }

    async def serve_group(self, request):
        return web.json_response(self.group_document(), content_type=AS_JSON)

    async def serve_group_collection(self, request):
        name = request.match_info["collection"]
        items = [self.actor_id] if name == "moderators" else []
        collection = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.group_id}/{name}",
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        }
        return web.json_response(collection, content_type=AS_JSON)

    async def serve_object(self, request):
        document = self.served.get(f"{self.origin}/objects/{request.match_info['uuid']}")
        if document is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(document, content_type=AS_JSON)

    async def receive(self, request):
        """POST to alice's inbox or the shared inbox: verify, record, react."""
        body = await request.read()
        try:
            activity = json.loads(body)
            assert isinstance(activity, dict)
        except (ValueError, AssertionError):
            self.error(f"POST {request.path}: body is not a JSON object")
            return web.json_response({"error": "body is not a JSON object"}, status=400)
        signer, reason = await self.verify_request(request, body)
        actor = id_for_object(activity.get("actor"))
        if signer is not None and signer != actor:
            reason = f"signed by {signer} but the activity's actor is {actor}"
        signature_ok = reason is None
        self.result["received"].append(summarize(activity, signature_ok, request.path, signer, reason))
        log.info("received %s %s at %s, signature_ok=%s", activity.get("type"), activity.get("id"), request.path, signature_ok)
        if not signature_ok:
            self.error(f"answered 401 to {activity.get('type')} {activity.get('id')} at {request.path}: {reason}")
            return web.json_response({"error": reason}, status=401)
        await self.react_to(activity)
        self.save()
        return web.Response(status=202)

    # ---- HTTP signatures ----------------------------------------------------------

    async def verify_request(self, request, body):
        """Check the draft-cavage signature and the Digest of a POST.

        Returns (signer actor id, None) when valid, else (None, reason)."""
        header = request.headers.get("Signature")
        if not header:
            return None, "no Signature header"
        try:
            parsed = Signature.from_signature_header(header)
        except Exception as problem:  # bovine raises KeyError/ValueError on malformed headers
            return None, f"unparseable Signature header {header!r}: {problem!r}"
        missing = [name for name in POST_SIGNED_HEADERS if name not in parsed.fields]
        if missing:
            return None, f"signed headers {parsed.headers!r} lack {missing}"
        if not validate_digest(request.headers, body):
            return None, f"Digest {request.headers.get('Digest')!r} does not match the body"

        async def read_body():
            return body

        signer = await self.check_signature(request.method, str(request.url), request.headers, read_body)
        if signer is None:
            return None, (
                f"signature by {parsed.key_id} does not verify "
                "(or its key could not be fetched, or Date is more than 5 minutes off)"
            )
        return signer, None

    async def public_key_for(self, key_id):
        """bovine's key retriever: fetch the signer's actor and take its publicKeyPem."""
        if key_id in self.keys:
            return self.keys[key_id]
        try:
            document = await self.fetch(key_id)
        except PeerError as problem:
            self.error(f"could not fetch key {key_id}: {problem}")
            return None
        key = find_public_key(document, key_id)
        if key is None:
            self.error(f"{key_id.split('#')[0]} has no publicKey with id {key_id}")
            return None
        if document.get("id") and key.get("owner") != document.get("id"):
            self.error(f"key {key_id} has owner {key.get('owner')}, not {document.get('id')}")
            return None
        self.keys[key_id] = CryptographicIdentifier.from_public_key(key)
        return self.keys[key_id]

    def signed_post_headers(self, url, body, secret=None):
        """Date, Digest, Host and a Signature over '(request-target) host date digest'."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        date = get_gmt_now()
        digest = content_digest_sha256(body, prefix="SHA-256")
        signature = HttpSignature()
        signature.with_field("(request-target)", f"post {target}")
        signature.with_field("host", parts.netloc)
        signature.with_field("date", date)
        signature.with_field("digest", digest)
        return {
            "Host": parts.netloc,
            "Date": date,
            "Digest": digest,
            "Content-Type": AS_JSON,
            "Accept": AS_JSON,
            "Signature": signature.sign_for_http_draft(secret or self.secret),
        }

    async def deliver(self, inbox, activity, headers=None, secret=None):
        """Signed POST of an activity (by alice, or by the group with its secret); returns the
        HTTP status."""
        body = json.dumps(activity).encode("utf-8")
        headers = headers or self.signed_post_headers(inbox, body, secret)
        async with self.session.post(inbox, data=body, headers=headers) as response:
            text = await response.text()
        log.info("POST %s %s -> %s %s", activity.get("type"), inbox, response.status, brief(text))
        return response.status

    async def fetch(self, url):
        """Signed GET (bovine signs '(request-target) host date accept') of a JSON document."""
        url = url.split("#")[0]
        try:
            response = await signed_get(self.session, self.secret, url)
            async with response:
                text = await response.text()
                content_type = response.headers.get("Content-Type", "")
        except aiohttp.ClientError as problem:
            raise PeerError(f"GET {url} failed: {problem!r}") from problem
        if response.status != 200:
            raise PeerError(f"GET {url} answered {response.status}: {brief(text)}")
        if "activity+json" not in content_type and "ld+json" not in content_type:
            self.error(f"GET {url} answered Content-Type {content_type!r}, not {AS_JSON}")
        try:
            return json.loads(text)
        except ValueError as problem:
            raise PeerError(f"GET {url} did not answer JSON: {brief(text)}") from problem

    # ---- the flow -----------------------------------------------------------------

    async def resolve_coop(self, node, handle):
        """WebFinger acct:HANDLE@node-host, then a signed GET of the actor it names."""
        self.phase = "resolving the co-op"
        resource = f"acct:{handle.lstrip('@')}@{urlsplit(node).netloc}"
        url = f"{node}/.well-known/webfinger"
        async with self.session.get(url, params={"resource": resource}, headers={"Accept": JRD_JSON}) as response:
            text = await response.text()
        if response.status != 200:
            raise PeerError(f"WebFinger {url}?resource={resource} answered {response.status}: {brief(text)}")
        try:
            links = json.loads(text).get("links") or []
        except (ValueError, AttributeError) as problem:
            raise PeerError(f"WebFinger for {resource} did not answer a JSON object: {brief(text)}") from problem
        hrefs = [link.get("href") for link in links if link.get("rel") == "self" and link.get("type") == AS_JSON]
        if not hrefs:
            raise PeerError(f"WebFinger for {resource} has no self link of type {AS_JSON}: {links}")
        coop = await self.fetch(hrefs[0])
        if coop.get("id") != hrefs[0]:
            self.error(f"actor fetched from {hrefs[0]} has id {coop.get('id')}")
        for needed in ("inbox", "publicKey"):
            if needed not in coop:
                raise PeerError(f"co-op actor {hrefs[0]} has no {needed}")
        key = find_public_key(coop, id_for_object(coop["publicKey"]))
        if key and key.get("publicKeyPem"):
            self.keys[key["id"]] = CryptographicIdentifier.from_public_key(key)
        self.coop = coop
        self.result["coop_actor"] = coop["id"]
        self.save()
        log.info("resolved %s to %s, inbox %s", resource, coop["id"], coop["inbox"])
        return coop

    def refers_to_follow(self, value):
        """Is value alice's Follow, by id, or embedded without an id?"""
        if self.follow is None:
            return False
        if isinstance(value, str):
            return value == self.follow["id"]
        if not isinstance(value, dict):
            return False
        if value.get("id"):
            return value["id"] == self.follow["id"]
        return (
            value.get("type") == "Follow"
            and id_for_object(value.get("actor")) == self.actor_id
            and id_for_object(value.get("object")) == self.coop["id"]
        )

    async def react_to(self, activity):
        """Note an Accept/Reject of the Follow and the first Create(Note) from the co-op."""
        if self.mode == "community":
            await self.community_react(activity)
            return
        if self.coop is None or id_for_object(activity.get("actor")) != self.coop["id"]:
            return
        kind = activity.get("type")
        if kind == "Announce" and self.mode == "forum":
            await self.note_thread(activity.get("object"))
            return
        if kind == "Accept" and self.refers_to_follow(activity.get("object")):
            self.result["accepted"] = True
            self.accepted.set()
        elif kind == "Reject" and self.refers_to_follow(activity.get("object")):
            self.error(f"the co-op rejected the Follow: {activity.get('id')}")
            self.rejected.set()
        elif kind == "Create" and self.note is None:
            note = activity.get("object")
            if isinstance(note, str):
                try:
                    note = await self.fetch(note)
                except PeerError as problem:
                    self.error(f"could not fetch the object of {activity.get('id')}: {problem}")
                    return
            wanted = self.reply_to_containing
            if (
                isinstance(note, dict)
                and note.get("type") == "Note"
                and (wanted is None or wanted in str(note.get("content", "")))
            ):
                self.note = note
                self.result["note_id"] = note.get("id")
                self.note_arrived.set()

    async def follow_coop(self, node, handle):
        coop = await self.resolve_coop(node, handle)
        self.follow = self.remember(self.activities.follow(coop["id"]).build())
        self.result["follow_id"] = self.follow["id"]
        self.phase = "sending the Follow"
        self.result["follow_status"] = await self.deliver(coop["inbox"], self.follow)
        self.save()
        if not is_success(self.result["follow_status"]):
            raise PeerError(f"the co-op inbox answered {self.result['follow_status']} to the Follow")
        self.phase = "waiting for an Accept of the Follow"
        waiters = [asyncio.create_task(event.wait()) for event in (self.accepted, self.rejected)]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if self.rejected.is_set():
            raise PeerError("the co-op rejected the Follow")
        log.info("the co-op accepted the Follow")

    async def reply_to_note(self):
        self.phase = "waiting for a Create(Note) from the co-op"
        await self.note_arrived.wait()
        reply = self.objects.reply(self.note, content=REPLY_CONTENT).build()
        reply["to"] = [self.coop["id"]]
        reply["cc"] = [address for address in reply.get("cc", []) if address != self.coop["id"]]
        if not reply["cc"]:
            del reply["cc"]
        reply.pop("@context", None)
        self.remember(reply)
        create = self.remember(self.activities.create(reply).build())
        self.result["reply_id"] = reply["id"]
        self.phase = "sending the reply"
        self.result["reply_status"] = await self.deliver(self.coop["inbox"], create)
        self.save()

    async def unfollow_coop(self):
        follow = {key: value for key, value in self.follow.items() if key != "@context"}
        undo = self.remember(self.activities.undo(follow, include_activity=True).build())
        self.phase = "sending the Undo(Follow)"
        self.result["undo_status"] = await self.deliver(self.coop["inbox"], undo)
        self.save()

    # ---- forum mode: follow a forum, answer a thread as Mastodon does, report it ----

    async def note_thread(self, inner):
        """Take the threads (Pages) the forum announces, embedded in a Create or by id."""
        if len(self.threads) >= self.expected_threads:
            return
        if isinstance(inner, dict) and inner.get("type") == "Create":
            inner = inner.get("object")
        if isinstance(inner, str):
            try:
                inner = await self.fetch(inner)
            except PeerError as problem:
                self.error(f"could not fetch an announced object: {problem}")
                return
        if isinstance(inner, dict) and inner.get("type") == "Page":
            if any(thread.get("id") == inner.get("id") for thread in self.threads):
                return
            self.threads.append(inner)
            self.thread = self.threads[0]
            self.result["thread_id"] = self.thread.get("id")
            self.result["thread_ids"] = [thread.get("id") for thread in self.threads]
            if len(self.threads) >= self.expected_threads:
                self.thread_arrived.set()

    async def answer_threads_as_mastodon(self):
        """Answer every thread awaited, each as Mastodon writes a reply."""
        self.phase = "waiting for the forum to announce its threads"
        await self.thread_arrived.wait()
        statuses = []
        for thread in self.threads:
            statuses.append(await self.answer_thread_as_mastodon(thread))
        failed = [status for status in statuses if not is_success(status)]
        self.result["reply_status"] = failed[0] if failed else statuses[0]
        self.save()

    async def answer_thread_as_mastodon(self, thread):
        """A reply as Mastodon writes one: to the public, cc the author, no `audience`,
        delivered to the thread author's (shared) inbox only. Returns the HTTP status."""
        author_id = id_for_object(thread.get("attributedTo"))
        author = await self.fetch(author_id)
        inbox = (author.get("endpoints") or {}).get("sharedInbox") or author["inbox"]
        reply = self.remember(
            {
                "id": self.new_object_id(),
                "type": "Note",
                "attributedTo": self.actor_id,
                "inReplyTo": thread["id"],
                "content": FORUM_REPLY_CONTENT,
                "to": [PUBLIC],
                "cc": [f"{self.actor_id}/followers", author_id],
                "tag": [{"type": "Mention", "href": author_id}],
                "published": get_gmt_now(),
            }
        )
        create = self.remember(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": self.new_object_id(),
                "type": "Create",
                "actor": self.actor_id,
                "to": reply["to"],
                "cc": reply["cc"],
                "object": reply,
            }
        )
        self.result["reply_id"] = self.result["reply_id"] or reply["id"]
        self.result["reply_ids"].append(reply["id"])
        self.phase = "sending a reply"
        status = await self.deliver(inbox, create)
        self.save()
        return status

    async def report_thread(self):
        flag = self.remember(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": self.new_object_id(),
                "type": "Flag",
                "actor": self.actor_id,
                "object": [self.thread["id"]],
                "content": FLAG_CONTENT,
                "to": [self.coop["id"]],
            }
        )
        self.phase = "sending the report"
        self.result["flag_status"] = await self.deliver(self.coop["inbox"], flag)
        self.save()

    async def start_thread_as_mastodon(self):
        """A new post that mentions the forum, as a Mastodon user starts a Lemmy thread."""
        forum_id = self.coop["id"]
        name = self.coop.get("preferredUsername", "forum")
        note = self.remember(
            {
                "id": self.new_object_id(),
                "type": "Note",
                "attributedTo": self.actor_id,
                "content": f'<p><span class="h-card"><a href="{forum_id}" class="u-url mention">@<span>{name}</span></a></span> {THREAD_CONTENT}</p>',
                "to": [PUBLIC],
                "cc": [f"{self.actor_id}/followers", forum_id],
                "tag": [{"type": "Mention", "href": forum_id, "name": f"@{name}"}],
                "published": get_gmt_now(),
            }
        )
        create = self.remember(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": self.new_object_id(),
                "type": "Create",
                "actor": self.actor_id,
                "to": note["to"],
                "cc": note["cc"],
                "object": note,
            }
        )
        self.result["started_thread_id"] = note["id"]
        self.phase = "starting a thread"
        self.result["start_status"] = await self.deliver(self.coop["inbox"], create)
        self.save()

    async def run_forum_flow(self, node, handle):
        await self.follow_coop(node, handle)
        await self.answer_threads_as_mastodon()
        await self.report_thread()
        await self.start_thread_as_mastodon()
        for step in ("reply_status", "flag_status", "start_status"):
            if not is_success(self.result[step]):
                raise PeerError(f"{step} is {self.result[step]}")
        self.result["done"] = True
        self.save()

    # ---- community mode: host a Lemmy-style community that a node's member follows ----

    async def community_react(self, activity):
        kind = activity.get("type")
        actor = id_for_object(activity.get("actor"))
        obj = activity.get("object")
        if kind == "Follow" and id_for_object(obj) == self.group_id:
            follower = await self.fetch(actor)
            inbox = (follower.get("endpoints") or {}).get("sharedInbox") or follower["inbox"]
            self.group_followers.append((actor, inbox))
            self.result["community_follower"] = actor
            accept = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.group_id}/activities/{uuid.uuid4()}",
                "type": "Accept",
                "actor": self.group_id,
                "object": {key: value for key, value in activity.items() if key != "@context"},
            }
            status = await self.deliver(follower["inbox"], accept, secret=self.group_secret)
            if not is_success(status):
                self.error(f"the follower's inbox answered {status} to the Accept")
            asyncio.get_running_loop().create_task(self.post_in_community())
        elif kind == "Create" and isinstance(obj, dict) and self.community_page is not None:
            if obj.get("inReplyTo") != self.community_page["id"]:
                return
            self.result["community_reply"] = {
                "id": obj.get("id"),
                "type": obj.get("type"),
                "audience": id_for_object(obj.get("audience")),
                "content": obj.get("content"),
                "actor": actor,
            }
            await self.announce_in_community({key: value for key, value in activity.items() if key != "@context"})
            self.community_replied.set()

    async def post_in_community(self):
        """Alice starts a thread; the community announces her Create, as Lemmy does."""
        await asyncio.sleep(0.2)  # let the node record the Accept first
        page = self.remember(
            {
                "id": self.new_object_id(),
                "type": "Page",
                "attributedTo": self.actor_id,
                "name": "Which lathe do you share?",
                "content": "<p>We lend ours on Tuesdays.</p>",
                "mediaType": "text/html",
                "audience": self.group_id,
                "to": [self.group_id, PUBLIC],
                "cc": [],
                "published": get_gmt_now(),
            }
        )
        self.community_page = page
        self.result["community_page_id"] = page["id"]
        create = self.remember(
            {
                "id": self.new_object_id(),
                "type": "Create",
                "actor": self.actor_id,
                "to": [self.group_id, PUBLIC],
                "cc": [],
                "audience": self.group_id,
                "object": page,
            }
        )
        await self.announce_in_community(create)
        self.save()

    async def announce_in_community(self, activity):
        announce = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.group_id}/activities/announce/{uuid.uuid4()}",
            "type": "Announce",
            "actor": self.group_id,
            "to": [PUBLIC],
            "cc": [f"{self.group_id}/followers"],
            "object": activity,
        }
        for follower, inbox in self.group_followers:
            status = await self.deliver(inbox, announce, secret=self.group_secret)
            if not is_success(status):
                self.error(f"{inbox} answered {status} to the community's Announce")

    async def run_community_flow(self):
        self.phase = "waiting for a follower and an answer to the community's thread"
        await self.community_replied.wait()
        self.result["done"] = True
        self.save()

    async def run_flow(self, node, handle):
        if self.mode == "forum":
            return await self.run_forum_flow(node, handle)
        if self.mode == "community":
            return await self.run_community_flow()
        await self.follow_coop(node, handle)
        await self.reply_to_note()
        await self.unfollow_coop()
        for step in ("reply_status", "undo_status"):
            if not is_success(self.result[step]):
                raise PeerError(f"{step} is {self.result[step]}")
        self.result["done"] = True
        self.save()


# ---- running --------------------------------------------------------------------


def listening_socket(port):
    """Bind first, so the origin (which needs the real port) is known before serving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


async def start_server(peer, sock):
    runner = web.AppRunner(peer.web_app(), access_log_format='%a "%r" %s')
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


async def run_peer(args):
    sock = listening_socket(args.listen_port)
    peer = Peer(f"http://localhost:{sock.getsockname()[1]}", args.out)
    peer.reply_to_containing = args.reply_to_containing
    peer.mode = args.mode
    peer.expected_threads = args.threads
    peer.save()
    runner = await start_server(peer, sock)
    log.info("serving %s", peer.actor_id)
    failure = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        peer.session = session
        try:
            await asyncio.wait_for(peer.run_flow(args.node.rstrip("/"), args.coop), timeout=args.timeout)
        except asyncio.TimeoutError:
            failure = f"timed out after {args.timeout}s, at step: {peer.phase}"
        except PeerError as problem:
            failure = f"{problem} (at step: {peer.phase})"
        except aiohttp.ClientError as problem:
            failure = f"HTTP request failed: {problem!r} (at step: {peer.phase})"
        if failure:
            peer.error(failure)
        # Stay up a moment: the node may still fetch alice's key for the last delivery.
        await asyncio.sleep(args.linger)
    await runner.cleanup()
    peer.save()
    if peer.result["done"] and not peer.result["errors"]:
        print(f"python_peer: ok, result in {args.out}", file=sys.stderr)
        return 0
    print(f"python_peer: FAILED: {'; '.join(peer.result['errors'])}", file=sys.stderr)
    return 1


async def selftest():
    """Sign requests with the peer's own code and verify them through its own inbox."""
    sock = listening_socket(0)
    peer = Peer(f"http://127.0.0.1:{sock.getsockname()[1]}")
    runner = await start_server(peer, sock)
    inbox = f"{peer.actor_id}/inbox"
    like = peer.remember(peer.activities.like(peer.actor_id).build())
    body = json.dumps(like).encode("utf-8")
    impostor = Peer(peer.origin)  # same keyId, different private key
    checks = []
    async with aiohttp.ClientSession() as session:
        peer.session = impostor.session = session

        async def post(headers, payload=body):
            async with session.post(inbox, data=payload, headers=headers) as response:
                return response.status

        tampered = json.dumps({**like, "content": "changed"}).encode("utf-8")
        checks.append(("signed POST is accepted", await post(peer.signed_post_headers(inbox, body)), 202))
        checks.append(("unsigned POST is refused", await post({"Content-Type": AS_JSON}), 401))
        checks.append(("changed body is refused", await post(peer.signed_post_headers(inbox, body), tampered), 401))
        checks.append(("wrong key is refused", await post(impostor.signed_post_headers(inbox, body)), 401))
        response = await signed_get(session, peer.secret, peer.actor_id)
        async with response:
            actor = await response.json(content_type=None)
        checks.append(("actor is served with its key", actor.get("publicKey", {}).get("id"), peer.key_id))
        async with session.get(f"{peer.origin}/.well-known/webfinger", params={"resource": f"acct:alice@{urlsplit(peer.origin).netloc}"}) as response:
            links = (await response.json(content_type=None))["links"]
        checks.append(("WebFinger names the actor", links[0]["href"], peer.actor_id))
    await runner.cleanup()
    flags = [entry["signature_ok"] for entry in peer.result["received"]]
    checks.append(("received entries are flagged", flags, [True, False, False, False]))
    failed = 0
    for name, got, wanted in checks:
        ok = got == wanted
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'}: {name}" + ("" if ok else f" (got {got!r}, wanted {wanted!r})"))
    print(f"selftest: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="bovine-based ActivityPub test peer for Coopnet")
    parser.add_argument("--node", help="base URL of the Coopnet node, e.g. http://localhost:8080")
    parser.add_argument("--coop", help="handle of the co-op to follow (without @host)")
    parser.add_argument("--listen-port", type=int, default=0, help="port for the peer's own server")
    parser.add_argument("--out", help="JSON result file, rewritten on each change")
    parser.add_argument("--timeout", type=float, default=60, help="seconds for the whole flow")
    parser.add_argument(
        "--reply-to-containing",
        default=None,
        help="reply only to a Create(Note) whose content contains this text (others are recorded)",
    )
    parser.add_argument(
        "--mode",
        choices=("coop", "forum", "community"),
        default="coop",
        help="coop: follow a co-op and answer a note; forum: follow a forum, answer a thread as "
        "Mastodon does and report it; community: host a Lemmy-style community and wait for an answer",
    )
    parser.add_argument("--threads", type=int, default=1, help="forum mode: how many announced threads to answer")
    parser.add_argument("--linger", type=float, default=1.0, help="seconds to keep serving after the flow")
    parser.add_argument("--selftest", action="store_true", help="sign and verify against itself, then exit")
    args = parser.parse_args(argv)
    if not args.selftest and not args.out:
        parser.error("--out is required (or use --selftest)")
    if not args.selftest and args.mode != "community" and not (args.node and args.coop):
        parser.error("--node and --coop are required (or use --selftest or --mode community)")
    return args


def main(argv=None):
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="python_peer: %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)
    if args.selftest:
        logging.getLogger("bovine").setLevel(logging.CRITICAL)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        log.setLevel(logging.CRITICAL)
        return asyncio.run(selftest())
    return asyncio.run(run_peer(args))


if __name__ == "__main__":
    sys.exit(main())
