"""Public transparency endpoints: anyone may check the audit log without signing in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse

from qorgau.audit import transparency
from qorgau.errors import InvalidInput, NotFound
from qorgau.i18n import _
from qorgau.web.csrf import Public
from qorgau.web.deps import DB, AppSettings
from qorgau.web.edge import limit_body
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/transparency",
    tags=["transparency"],
    dependencies=[Public],
    responses={k: v for k, v in PROBLEM_RESPONSES.items() if k in (400, 404, 422)},
)

Size = Annotated[int, Query(ge=0, le=2**62)]
MAX_NOTE_BYTES = 16_384  # a checkpoint with a few dozen co-signatures
limit_body("/transparency/witness", MAX_NOTE_BYTES)  # refused at the edge (web/edge.py), unread


class VerifierKey(BaseModel):
    origin: str
    verifier_key: str


class InclusionProof(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    inclusion_path: list[str]


class ConsistencyProof(BaseModel):
    first: int
    second: int
    consistency_path: list[str]


class Entry(BaseModel):
    leaf_index: int
    entry: str


@router.get("/checkpoint", response_class=PlainTextResponse, summary="The newest signed checkpoint")
def checkpoint(db: DB) -> PlainTextResponse:
    latest = transparency.latest_checkpoint(db)
    if latest is None:
        raise NotFound(_("No checkpoint has been published yet."))
    return PlainTextResponse(latest.note)


@router.get(
    "/checkpoint/cosigned",
    response_class=PlainTextResponse,
    summary="The newest signed checkpoint, with its witnesses' co-signatures",
)
def cosigned_checkpoint(db: DB) -> PlainTextResponse:
    latest = transparency.latest_checkpoint(db)
    if latest is None:
        raise NotFound(_("No checkpoint has been published yet."))
    return PlainTextResponse(transparency.cosigned_note(db, latest))


@router.post(
    "/witness",
    summary="Hand in a witness's co-signature of one of this node's checkpoints",
    description="The body is the co-signed note, sent as application/octet-stream.",
    responses={k: v for k, v in PROBLEM_RESPONSES.items() if k == 403},
)
async def witness(request: Request, db: DB, settings: AppSettings) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > MAX_NOTE_BYTES:
        raise InvalidInput(_("A signed note is at most %(n)s bytes.") % {"n": MAX_NOTE_BYTES})
    try:
        note = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_("Send the co-signed note as UTF-8 text.")) from None
    accepted = await run_in_threadpool(transparency.accept_cosignatures, db, settings, note)
    return {"accepted": accepted}


@router.get("/key", response_model=VerifierKey, summary="The key that signs this node's checkpoints")
def key(settings: AppSettings) -> VerifierKey:
    return VerifierKey(origin=settings.audit_log_origin, verifier_key=transparency.verifier_key(settings))


@router.get("/proof/inclusion", response_model=InclusionProof, summary="Inclusion proof (RFC 9162)")
def inclusion_proof(db: DB, leaf_index: Size, tree_size: Size) -> Any:
    return transparency.inclusion(db, leaf_index, tree_size)


@router.get("/proof/consistency", response_model=ConsistencyProof, summary="Consistency proof (RFC 9162)")
def consistency_proof(db: DB, first: Size, second: Size) -> Any:
    return transparency.consistency(db, first, second)


@router.get("/entries", response_model=list[Entry], summary="Log entries [start, end), at most 1,000")
def entries(db: DB, start: Size, end: Size) -> Any:
    return transparency.entries(db, start, end)
