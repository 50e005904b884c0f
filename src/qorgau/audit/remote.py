"""Watching another node's audit log from its public endpoints only (`qorgau audit verify
--url`, `qorgau audit witness --url`).

An observer remembers, per log, the verifier key and the last checkpoint it trusted. Each visit
checks the new checkpoint's signature, that it is consistent with the remembered one (RFC 9162
consistency proof), and that the published entries hash to its root; then it remembers the new
one. A witness also co-signs the checkpoint with its own key, so two countries watch each other.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qorgau.audit import checkpoint as cp
from qorgau.audit import merkle
from qorgau.audit.transparency import MAX_ENTRIES


class RemoteLogError(Exception):
    pass


@dataclass(frozen=True)
class Observation:
    origin: str
    tree_size: int
    root_hash: bytes
    note: str
    previous_size: int | None


def _state_path(state_dir: Path, origin: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in origin)
    return state_dir / f"{safe}.json"


def _get(client: httpx.Client, path: str, **params: int) -> httpx.Response:
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise RemoteLogError(f"could not reach the node: {exc}") from exc
    if response.status_code != 200:
        raise RemoteLogError(f"GET {path} answered {response.status_code}")
    return response


def _root_of_entries(client: httpx.Client, size: int) -> bytes:
    stack: list[tuple[int, bytes]] = []
    for start in range(0, size, MAX_ENTRIES):
        page = _get(client, "/transparency/entries", start=start, end=min(size, start + MAX_ENTRIES)).json()
        for expected, item in enumerate(page, start):
            if item["leaf_index"] != expected:
                raise RemoteLogError(f"entry {expected} is missing from the published entries")
            node = (0, merkle.leaf_hash(item["entry"].encode()))
            while stack and stack[-1][0] == node[0]:
                left = stack.pop()
                node = (node[0] + 1, merkle.node_hash(left[1], node[1]))
            stack.append(node)
    if not stack:
        return merkle.EMPTY_ROOT
    acc = stack[-1][1]
    for _level, h in reversed(stack[:-1]):
        acc = merkle.node_hash(h, acc)
    return acc


def _client(
    url: str, timeout: float, client: httpx.Client | None
) -> nullcontext[httpx.Client] | httpx.Client:
    # A client given by the caller (a test's, bound to an app in process) stays open.
    return (
        nullcontext(client) if client is not None else httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
    )


def observe(
    url: str, state_dir: Path, *, timeout: float = 30.0, client: httpx.Client | None = None
) -> Observation:
    """Check the node at `url` against what was seen there before, and remember what is seen now."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with _client(url, timeout, client) as client:
        published_key = _get(client, "/transparency/key").json()
        origin = published_key["origin"]
        path = _state_path(state_dir, origin)
        known = json.loads(path.read_text()) if path.exists() else None
        if known is not None and known["verifier_key"] != published_key["verifier_key"]:
            raise RemoteLogError(f"{origin} now shows a different signing key than the one seen before")
        name, public_key = cp.parse_verifier_key(published_key["verifier_key"])
        note = _get(client, "/transparency/checkpoint").text
        try:
            current = cp.verify(note, name, public_key)
        except cp.CheckpointError as exc:
            raise RemoteLogError(f"the checkpoint of {origin} does not verify: {exc}") from exc
        previous_size = None
        if known is not None:
            previous_size, previous_root = known["tree_size"], base64.b64decode(known["root_hash"])
            if current.tree_size < previous_size:
                raise RemoteLogError(
                    f"{origin} shrank from {previous_size} to {current.tree_size} leaves: history was removed"
                )
            if current.tree_size == previous_size:
                consistent = current.root_hash == previous_root
            else:
                proof = _get(
                    client, "/transparency/proof/consistency", first=previous_size, second=current.tree_size
                ).json()
                consistent = merkle.verify_consistency(
                    previous_size,
                    current.tree_size,
                    previous_root,
                    current.root_hash,
                    [base64.b64decode(h) for h in proof["consistency_path"]],
                )
            if not consistent:
                raise RemoteLogError(
                    f"{origin}: the checkpoint at size {current.tree_size} is not consistent with the one "
                    f"seen before at size {previous_size}: history was rewritten"
                )
        if _root_of_entries(client, current.tree_size) != current.root_hash:
            raise RemoteLogError(f"{origin}: the published entries do not hash to the checkpoint's root")
    _remember(path, published_key["verifier_key"], current, note)
    return Observation(origin, current.tree_size, current.root_hash, note, previous_size)


def published_entries(
    url: str, leaf_indexes: Iterable[int], *, timeout: float = 30.0, client: httpx.Client | None = None
) -> dict[int, str]:
    """The entries the node at `url` publishes at some leaf indexes (for checking an opening)."""
    found: dict[int, str] = {}
    with _client(url, timeout, client) as client:
        for index in sorted(set(leaf_indexes)):
            for item in _get(client, "/transparency/entries", start=index, end=index + 1).json():
                found[item["leaf_index"]] = item["entry"]
    return found


def _remember(path: Path, verifier_key: str, current: cp.Checkpoint, note: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "verifier_key": verifier_key,
                "tree_size": current.tree_size,
                "root_hash": base64.b64encode(current.root_hash).decode(),
                "note": note,
            }
        )
    )
    os.replace(tmp, path)


def witness(url: str, state_dir: Path, name: str, key: Ed25519PrivateKey) -> str:
    """Observe, then co-sign the checkpoint just checked; the co-signed note is kept beside the
    state and returned."""
    seen = observe(url, state_dir)
    cosigned = cp.cosign(seen.note, name, key)
    _state_path(state_dir, seen.origin).with_suffix(".witnessed").write_text(cosigned)
    return cosigned


def hand_in(url: str, cosigned: str, *, timeout: float = 30.0) -> tuple[bool, str]:
    """Give the co-signed note back to the observed node, which publishes it if it trusts this
    witness. Returns whether it was accepted, and the node's answer."""
    try:
        answer = httpx.post(
            url.rstrip("/") + "/transparency/witness",
            content=cosigned.encode(),
            headers={"content-type": "application/octet-stream"},  # not a form type: no CSRF check
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        return False, f"the node could not be reached: {exc}"
    if answer.status_code == 200:
        return True, ", ".join(answer.json().get("accepted", []))
    try:
        detail = str(answer.json().get("detail", answer.text))
    except ValueError:
        detail = answer.text[:200]
    return False, f"HTTP {answer.status_code}: {detail}"
