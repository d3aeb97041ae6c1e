"""Fetching a call recording from wherever the PBX keeps it, with the account's credentials.

recording_ref forms: an http(s) URL (generic: bearer or basic auth; Twilio: basic AccountSid:AuthToken),
`zadarma:<pbx_call_id>:<call_id_with_rec>` (REST API for a link), `mango:<recording_id>` (signed POST),
`file:<path>` (AMI MixMonitor folder, folder import; only under the account's recordings_dir)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import aiohttp

from channels.base import AccountView
from channels.telephony.verify import mango_sign, zadarma_api_auth

MAX_BYTES = 512 * 1024 * 1024
ZADARMA_API = "https://api.zadarma.com"
MANGO_API = "https://app.mango-office.ru/vpbx"


class RecordingUnavailable(Exception):
    """`retry`: a transient failure (network, 5xx, not ready yet); otherwise retrying cannot help."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def _auth(account: AccountView) -> dict[str, str]:
    secrets = account.secrets
    if token := secrets.get("recording_token"):
        return {"Authorization": f"Bearer {token}"}
    user = (
        secrets.get("recording_user")
        or secrets.get("account_sid")
        or str(account.config.get("account_sid", ""))
    )
    password = secrets.get("recording_password") or secrets.get("auth_token")
    if user and password:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    return {}


async def _read(response: aiohttp.ClientResponse) -> bytes:
    if response.status in (404, 410) or response.status >= 500 or response.status == 429:
        # A recording is often announced a moment before the PBX can serve it: 404 is worth a retry.
        raise RecordingUnavailable(f"HTTP {response.status} from {response.url.host}", retry=True)
    if response.status >= 400:
        raise RecordingUnavailable(f"HTTP {response.status} from {response.url.host}", retry=False)
    if (response.content_length or 0) > MAX_BYTES:
        raise RecordingUnavailable(f"recording over {MAX_BYTES} bytes", retry=False)
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(1 << 20):
        size += len(chunk)
        if size > MAX_BYTES:
            raise RecordingUnavailable(f"recording over {MAX_BYTES} bytes", retry=False)
        chunks.append(chunk)
    return b"".join(chunks)


async def _http(session: aiohttp.ClientSession, account: AccountView, url: str) -> bytes:
    async with session.get(url, headers=_auth(account)) as response:
        return await _read(response)


async def _zadarma(session: aiohttp.ClientSession, account: AccountView, ref: str) -> bytes:
    _, pbx_call_id, call_id = ref.split(":", 2)
    method = "/v1/pbx/record/request/"
    params = {"call_id": call_id, "pbx_call_id": pbx_call_id}
    auth = zadarma_api_auth(
        account.secrets.get("api_key", ""), account.secrets.get("api_secret", ""), method, params
    )
    base = str(account.config.get("api_url") or ZADARMA_API).rstrip("/")
    async with session.get(base + method, params=params, headers={"Authorization": auth}) as response:
        answer = json.loads(await _read(response))
    link = answer.get("link") or (answer.get("links") or [None])[0]
    if answer.get("status") != "success" or not link:
        raise RecordingUnavailable(
            f"Zadarma gave no link: {answer.get('message', answer.get('status'))}", retry=True
        )
    async with session.get(link) as response:
        return await _read(response)


async def _mango(session: aiohttp.ClientSession, account: AccountView, ref: str) -> bytes:
    key, salt = account.secrets.get("api_key", ""), account.secrets.get("api_salt", "")
    body = json.dumps({"recording_id": ref.split(":", 1)[1], "action": "download"}, separators=(",", ":"))
    form = {"vpbx_api_key": key, "sign": mango_sign(key, body, salt), "json": body}
    base = str(account.config.get("api_url") or MANGO_API).rstrip("/")
    async with session.post(base + "/queries/recording/post/", data=form) as response:
        return await _read(response)


def _file(account: AccountView, ref: str, roots: tuple[Path, ...]) -> bytes:
    path = Path(ref.removeprefix("file:")).resolve()
    allowed = [
        *roots,
        *([Path(str(account.config["recordings_dir"]))] if account.config.get("recordings_dir") else []),
    ]
    if not any(path.is_relative_to(root.resolve()) for root in allowed):
        raise RecordingUnavailable(f"{path} is outside the recordings folders", retry=False)
    if not path.is_file():
        raise RecordingUnavailable(f"{path.name} is not there (yet)", retry=True)
    return path.read_bytes()


async def fetch_recording(
    session: aiohttp.ClientSession, account: AccountView, ref: str, *, roots: tuple[Path, ...] = ()
) -> bytes:
    try:
        if ref.startswith(("http://", "https://")):
            return await _http(session, account, ref)
        if ref.startswith("zadarma:"):
            return await _zadarma(session, account, ref)
        if ref.startswith("mango:"):
            return await _mango(session, account, ref)
        if ref.startswith("file:"):
            return _file(account, ref, roots)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RecordingUnavailable(f"network: {exc!r}", retry=True) from exc
    except (ValueError, json.JSONDecodeError) as exc:
        raise RecordingUnavailable(f"unexpected answer: {exc!r}", retry=False) from exc
    raise RecordingUnavailable(f"unknown recording reference {ref[:40]!r}", retry=False)
