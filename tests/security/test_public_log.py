"""Issue 11, item 7: what an outsider reading the public log (/transparency/entries) learns.

Nobody's id is shown; two events about one case do not share a pseudonym; the details do not
fall to a dictionary. Yet the log still verifies from its public endpoints, the node can open one
entry to an auditor, and prove to them which entries concern one record."""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import select

from qorgau.audit import log, transparency
from qorgau.audit import service as audit
from qorgau.audit.models import AuditLogHead
from qorgau.audit.verify import verify_log
from qorgau.db import utcnow
from qorgau.permissions import Role
from qorgau.principal import Principal
from tests.support import bearer, make_user, register_agencies

# What an attacker would try: the details the application writes, from a small dictionary.
DICTIONARY = (
    [
        {"outcome": outcome, "ruleset": ruleset}
        for outcome in ("likely_victim", "possible_victim", "not_a_victim", "insufficient_information")
        for ruleset in ("1", "1.0", "2024.1", "KZ-1")
    ]
    + [{"status": s} for s in ("open", "closed", "referred")]
    + [{"fields": ["name"]}, {"reason": "emergency"}]
)


def _principal(user) -> Principal:  # type: ignore[no-untyped-def]
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_id=user.agency_id,
        agency_code="KZ-NGO-TST",
        agency_country="KZ",
        roles=frozenset({Role.CASE_WORKER}),
        via="token",
    )


def _published(client, start: int = 0) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """The public entries from `start` on, by event id, parsed."""
    size = int(client.get("/transparency/checkpoint").text.splitlines()[1])
    found = {}
    for begin in range(start, size, transparency.MAX_ENTRIES):
        page = client.get("/transparency/entries", params={"start": begin, "end": size}).json()
        for item in page:
            entry = json.loads(item["entry"])
            entry["leaf_index"], entry["raw"] = item["leaf_index"], item["entry"]
            found[entry["event"]] = entry
    return found


def _case_work(db, settings):  # type: ignore[no-untyped-def]
    """A case worker's audited work on two cases; the ids of the events, by case."""
    worker = make_user(db, Role.CASE_WORKER)
    actor = _principal(worker)
    case_a, case_b = uuid.uuid4(), uuid.uuid4()
    events: dict[uuid.UUID, list[uuid.UUID]] = {case_a: [], case_b: []}
    for i, details in enumerate(DICTIONARY[:6]):
        case = case_a if i % 2 == 0 else case_b
        events[case].append(audit.record(db, actor, "screening.record", "case", case, details=details))
    events[case_a].append(audit.record(db, actor, "case.read", "case", case_a))
    transparency.publish_checkpoint(db, settings)
    db.flush()
    return worker, events


def test_no_actor_or_agency_id_appears_in_the_public_entries(client, db, settings):
    admin = make_user(db, Role.ADMINISTRATOR)
    start = log.size(db)
    created = register_agencies(client, bearer(db, admin), "KZ-PRIV-T", 3)
    worker, _events = _case_work(db, settings)
    published = client.get("/transparency/entries", params={"start": start, "end": log.size(db)}).text
    for secret in (admin.id, admin.agency_id, worker.id, worker.agency_id, *(a["id"] for a in created)):
        assert str(secret) not in published
    entries = _published(client, start)
    assert all(e["actor"] is not None for e in entries.values() if e["type"] == "case")
    # Pseudonyms are per event: one actor's events are not linkable by their actor field either.
    actors = [e["actor"] for e in entries.values() if e["type"] == "case"]
    assert len(set(actors)) == len(actors)


def test_two_events_about_one_case_have_different_pseudonyms(client, db, settings):
    _worker, events = _case_work(db, settings)
    entries = _published(client)
    for ids in events.values():
        pseudonyms = [entries[str(i)]["object"] for i in ids]
        assert len(ids) >= 3 and None not in pseudonyms
        assert len(set(pseudonyms)) == len(pseudonyms), "one case keeps one pseudonym across events"


def test_details_fall_to_no_dictionary_yet_an_auditor_can_open_them(client, db, settings):
    _worker, events = _case_work(db, settings)
    entries = _published(client)
    candidates = {
        hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        for d in DICTIONARY
    }
    detailed = [entries[str(i)] for ids in events.values() for i in ids if entries[str(i)]["details"]]
    assert len(detailed) == 6
    assert not candidates & {e["details"] for e in detailed}, "details recovered by a dictionary"

    from qorgau.audit import opening
    from qorgau.audit.entry import field_key, v2_details

    first = detailed[0]
    revealed = opening.reveal(db, _principal(_worker), uuid.UUID(first["event"]))
    assert revealed["details"] in DICTIONARY and revealed["leaf_index"] == first["leaf_index"]
    # The auditor recomputes the commitment from the salt and the details, and every field.
    assert (
        v2_details(field_key(bytes.fromhex(revealed["secret"]), "details"), revealed["details"])
        == (first["details"])
    )
    assert opening.check_reveal(first["raw"], revealed) == []
    lying = dict(revealed, details=DICTIONARY[-1])
    assert opening.check_reveal(first["raw"], lying) == ["details does not match the opening"]
    # Revealing is itself in the log.
    db.flush()
    assert db.scalar(
        select(audit.AUDIT_EVENTS.c.id).where(
            audit.AUDIT_EVENTS.c.action == opening.REVEAL_ACTION,
            audit.AUDIT_EVENTS.c.object_id == first["event"],
        )
    )


def test_the_node_proves_to_an_auditor_which_entries_concern_one_record(client, db, settings):
    worker, events = _case_work(db, settings)
    case_a, case_b = list(events)
    from qorgau.audit import opening
    from qorgau.audit.entry import v2_pseudonym

    proof = opening.prove_record(db, _principal(worker), "case", str(case_a))
    assert [e["event_id"] for e in proof["events"]] == [str(i) for i in events[case_a]]
    transparency.publish_checkpoint(db, settings)
    entries = {e["leaf_index"]: e["raw"] for e in _published(client).values()}
    assert opening.check_record_proof(entries, proof) == []
    # The key opens the record's pseudonym, not the entry's actor.
    first = json.loads(entries[proof["events"][0]["leaf_index"]])
    key = bytes.fromhex(proof["events"][0]["object_key"])
    assert v2_pseudonym(key, str(worker.id)) != first["actor"]
    # A node that claims another case's event for this record is caught.
    other = opening.prove_record(db, _principal(worker), "case", str(case_b))["events"][0]
    forged = dict(proof, events=[*proof["events"], other])
    assert opening.check_record_proof(entries, forged) == [
        f"leaf {other['leaf_index']}: its object pseudonym does not open to the record"
    ]


def test_version_1_and_2_leaves_verify_together_locally_and_remotely(client, db, settings, tmp_path):
    # An event logged before version 2 (no secret): its leaf is version 1 and stays so.
    old = {
        "id": uuid.uuid4(),
        "occurred_at": utcnow(),
        "actor_user_id": uuid.uuid4(),
        "actor_agency_id": None,
        "action": "case.read",
        "object_type": "case",
        "object_id": str(uuid.uuid4()),
        "request_id": None,
        "outcome": "success",
        "details": {"outcome": "likely_victim"},
    }
    db.execute(audit.AUDIT_EVENTS.insert().values(**old))
    log.append(db, [old])
    _case_work(db, settings)
    db.flush()
    result = verify_log(db, settings.audit_log_origin, transparency.signing_key(settings).public_key())
    assert result.tree_size == log.size(db)
    salt = db.scalar(select(AuditLogHead.pseudonym_salt))
    versions = {json.loads(log.entry_for(e, salt))["v"] for e in [old]}
    assert versions == {1}
    assert {e["v"] for e in _published(client).values()} >= {1, 2}

    from qorgau.audit.remote import observe

    seen = observe("http://testserver", tmp_path, client=client)
    assert seen.tree_size == int(client.get("/transparency/checkpoint").text.splitlines()[1])


def test_an_auditor_checks_the_nodes_openings_against_its_public_entries(tmp_path):
    """End to end on a served node: `qorgau audit reveal` and `prove-record` by the operator,
    `qorgau audit check-opening --url` by the auditor; a doctored opening is refused."""
    import httpx

    from tests.support import fresh_database, live_server

    with fresh_database(tmp_path, "opening") as url, live_server(tmp_path, url) as node:
        # A fresh node has a checkpoint from its first request on (item 16).
        note = httpx.get(node.url + "/transparency/checkpoint", timeout=10)
        assert note.status_code == 200
        size = int(note.text.splitlines()[1])
        node.qorgau("audit", "checkpoint")  # its publication is logged: a second checkpoint covers it
        entries = httpx.get(
            node.url + "/transparency/entries", params={"start": 0, "end": 100}, timeout=10
        ).json()
        publication = json.loads(entries[size]["entry"])
        assert publication["type"] == "audit_checkpoint" and publication["v"] == 2

        revealed = tmp_path / "reveal.json"
        revealed.write_text(node.qorgau("audit", "reveal", publication["event"]).stdout)
        assert json.loads(revealed.read_text())["details"]["tree_size"] == size
        assert "matches" in node.qorgau("audit", "check-opening", str(revealed), "--url", node.url).stdout

        proof = tmp_path / "proof.json"
        proof.write_text(node.qorgau("audit", "prove-record", "audit_checkpoint", str(size)).stdout)
        assert len(json.loads(proof.read_text())["events"]) == 1
        assert "matches" in node.qorgau("audit", "check-opening", str(proof), "--url", node.url).stdout

        doctored = json.loads(revealed.read_text())
        doctored["details"]["tree_size"] = size + 1
        revealed.write_text(json.dumps(doctored))
        refused = node.run("audit", "check-opening", str(revealed), "--url", node.url)
        assert refused.returncode == 1 and "details does not match" in refused.stderr
        assert "Traceback" not in refused.stderr
