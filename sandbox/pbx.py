"""A PBX stand-in: sends each provider's signed webhooks to okno and serves recordings the way the provider
does, with its authentication (generic: bearer; Twilio: basic AccountSid:AuthToken; Zadarma: signed REST
request for a link; Mango: signed POST answered by a redirect to a signed link). Signatures are computed here
independently of okno's verifiers, from the providers' documented schemes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web


@dataclass
class PbxSecrets:
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    recording_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    twilio_sid: str = "AC" + "0" * 32
    twilio_token: str = field(default_factory=lambda: secrets.token_hex(16))
    zadarma_key: str = field(default_factory=lambda: secrets.token_hex(10))
    zadarma_secret: str = field(default_factory=lambda: secrets.token_hex(10))
    mango_key: str = field(default_factory=lambda: secrets.token_hex(16))
    mango_salt: str = field(default_factory=lambda: secrets.token_hex(16))


def _hex_b64(secret: str, text: str) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), text.encode(), hashlib.sha1).hexdigest().encode()
    ).decode()


def _twilio_sign(token: str, url: str, fields: dict[str, str]) -> str:
    text = url + "".join(name + fields[name] for name in sorted(fields))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


ZADARMA_SIGNED = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}


@dataclass
class SandboxPbx:
    keys: PbxSecrets = field(default_factory=PbxSecrets)
    recordings: dict[str, bytes] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)  # recording ids handed out, in order
    refused: list[str] = field(default_factory=list)  # why a recording request was refused
    base_url: str = ""  # set by the test once the app listens; used in the links it hands out

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/recordings/{rid}", self.generic_recording)
        app.router.add_get("/twilio/2010-04-01/Accounts/{sid}/Recordings/{rid}", self.twilio_recording)
        app.router.add_get("/zadarma/v1/pbx/record/request/", self.zadarma_request)
        app.router.add_get("/zadarma/files/{rid}", self.signed_file)
        app.router.add_post("/mango/vpbx/queries/recording/post/", self.mango_request)
        app.router.add_get("/mango/files/{rid}", self.signed_file)
        return app

    # --- recordings, with each provider's authentication ---
    def _file(self, rid: str) -> web.Response:
        if rid not in self.recordings:
            return web.json_response({"error": "no such recording"}, status=404)
        self.served.append(rid)
        return web.Response(body=self.recordings[rid], content_type="audio/wav")

    def _refuse(self, reason: str, body: dict[str, Any]) -> web.Response:
        self.refused.append(reason)
        return web.json_response(body, status=401)

    async def generic_recording(self, request: web.Request) -> web.Response:
        expected = f"Bearer {self.keys.recording_token}"
        if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            return self._refuse("generic: bad bearer", {"error": "unauthorized"})
        return self._file(request.match_info["rid"])

    async def twilio_recording(self, request: web.Request) -> web.Response:
        creds = f"{self.keys.twilio_sid}:{self.keys.twilio_token}".encode()
        expected = "Basic " + base64.b64encode(creds).decode()
        if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            body = {"code": 20003, "message": "Authenticate", "status": 401}
            return self._refuse("twilio: bad basic auth", body)
        return self._file(request.match_info["rid"].removesuffix(".wav"))

    def _signed_link(self, rid: str, prefix: str) -> str:
        expires = str(int(time.time()) + 600)
        sign = hashlib.sha256(
            (self.keys.mango_key + expires + rid + self.keys.mango_salt).encode()
        ).hexdigest()
        return f"{self.base_url}/{prefix}/files/{rid}?" + urlencode({"expires": expires, "sign": sign})

    async def signed_file(self, request: web.Request) -> web.Response:
        rid, expires = request.match_info["rid"], request.query.get("expires", "0")
        sign = hashlib.sha256(
            (self.keys.mango_key + expires + rid + self.keys.mango_salt).encode()
        ).hexdigest()
        if not hmac.compare_digest(sign, request.query.get("sign", "")) or int(expires) < time.time():
            return self._refuse("link: bad or expired signature", {"error": "forbidden"})
        return self._file(rid)

    async def zadarma_request(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        query = "&".join(f"{k}={params[k]}" for k in sorted(params))
        text = "/v1/pbx/record/request/" + query + hashlib.md5(query.encode()).hexdigest()  # noqa: S324
        expected = f"{self.keys.zadarma_key}:{_hex_b64(self.keys.zadarma_secret, text)}"
        if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            return self._refuse(
                "zadarma: bad api signature", {"status": "error", "message": "Not authorized"}
            )
        rid = params.get("call_id", "")
        if rid not in self.recordings:
            return web.json_response({"status": "error", "message": "record not found"}, status=404)
        return web.json_response(
            {"status": "success", "link": self._signed_link(rid, "zadarma"), "lifetime_till": "2099-01-01"}
        )

    async def mango_request(self, request: web.Request) -> web.Response:
        form = await request.post()
        body, key = str(form.get("json", "")), str(form.get("vpbx_api_key", ""))
        sign = hashlib.sha256((self.keys.mango_key + body + self.keys.mango_salt).encode()).hexdigest()
        if not (
            hmac.compare_digest(key, self.keys.mango_key) and hmac.compare_digest(sign, str(form.get("sign")))
        ):
            return self._refuse("mango: bad sign", {"result": 3102})
        rid = json.loads(body).get("recording_id", "")
        raise web.HTTPFound(self._signed_link(rid, "mango"))

    # --- webhooks out ---
    async def send_generic(self, http: aiohttp.ClientSession, url: str, event: dict[str, Any]) -> int:
        body = json.dumps(event, ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        digest = hmac.new(self.keys.webhook_secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "X-Okno-Timestamp": stamp,
            "X-Okno-Signature": f"sha256={digest.hexdigest()}",
        }
        async with http.post(url, data=body, headers=headers) as response:
            return response.status

    async def send_twilio(self, http: aiohttp.ClientSession, url: str, fields: dict[str, str]) -> int:
        headers = {"X-Twilio-Signature": _twilio_sign(self.keys.twilio_token, url, fields)}
        async with http.post(url, data=fields, headers=headers) as response:
            return response.status

    async def send_zadarma(self, http: aiohttp.ClientSession, url: str, fields: dict[str, str]) -> int:
        names = ZADARMA_SIGNED[fields["event"]]
        headers = {"Signature": _hex_b64(self.keys.zadarma_secret, "".join(fields.get(n, "") for n in names))}
        async with http.post(url, data=fields, headers=headers) as response:
            return response.status

    async def send_mango(self, http: aiohttp.ClientSession, url: str, event: dict[str, Any]) -> int:
        body = json.dumps(event, separators=(",", ":"))
        sign = hashlib.sha256((self.keys.mango_key + body + self.keys.mango_salt).encode()).hexdigest()
        form = {"vpbx_api_key": self.keys.mango_key, "sign": sign, "json": body}
        async with http.post(url, data=form) as response:
            return response.status

    # --- where each provider's recordings live ---
    def generic_url(self, rid: str) -> str:
        return f"{self.base_url}/recordings/{rid}"

    def twilio_url(self, rid: str) -> str:
        return f"{self.base_url}/twilio/2010-04-01/Accounts/{self.keys.twilio_sid}/Recordings/{rid}"
