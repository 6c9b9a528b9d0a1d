"""Webhooks: 10,000 deliveries (20 % repeats) in shuffled order, sent concurrently to several gunicorn workers.

The same events delivered one by one in the order Debitura emitted them give the reference
mirror; the storm must end in exactly that state, store each event once, count every repeat,
and refuse every forged or stale delivery mixed into it (including tampered copies of real
events, which would corrupt the mirror if they got through).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from benchmarks import apps, webhook_events
from benchmarks.load import post_all
from benchmarks.server import ROOT
from dashboard.extensions import db
from dashboard.models import WebhookEvent, WebhookRejection
from tests.load import storm

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKERS = 3
SENDERS = 12
FORGED = 300
WRONG_SECRET = "d3JvbmctcGFydG5lci1zZWNyZXQtMDEyMzQ1Njc4OWFi"
FORGERIES = ("wrong_secret", "tampered_body", "stale", "from_the_future", "no_signature", "garbled_header")
SHARDS = 2  # the ordered reference is built on both cores, one process per shard of tenants


@pytest.fixture(scope="module")
def start() -> datetime:
    """When the stream's first event happened: one moment for the reference and the storm alike."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4)


@pytest.fixture(scope="module")
def ordered_state(tmp_path_factory, start) -> tuple[dict, dict]:
    """The reference: every event once, in Debitura's order, through the receiver (see storm.py)."""
    folder = tmp_path_factory.mktemp("ordered")
    logs = [folder / f"shard-{shard}.log" for shard in range(SHARDS)]
    runs = [subprocess.Popen([sys.executable, "-m", "tests.load.storm", "--start", start.isoformat(),
                              "--shard", str(shard), "--shards", str(SHARDS), "--folder", str(folder)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=logs[shard].open("wb"))
            for shard in range(SHARDS)]
    tenants: dict = {}
    cases: dict = {}
    for shard, run in enumerate(runs):
        assert run.wait(timeout=900) == 0, logs[shard].read_text(errors="replace")[-3000:]
        part = json.loads((folder / f"shard-{shard}.json").read_text())
        tenants.update(part["tenants"])
        cases.update(part["cases"])
    return tenants, cases


def forged(kind: str, envelope: dict) -> tuple[bytes, dict[str, str]]:
    """A delivery Debitura did not sign (or signed long ago), built at the moment of sending."""
    body = webhook_events.body_of(envelope)
    headers = webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body)
    now = int(time.time())
    if kind == "wrong_secret":
        headers = webhook_events.headers(WRONG_SECRET, envelope, body)
    elif kind == "tampered_body":
        changed = {**envelope, "data": {**envelope["data"], "externalTenantId": "hijacked", "lifecycle": "Closed"}}
        body = webhook_events.body_of(changed)  # the signature still covers the original body
    elif kind == "stale":
        headers = webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body, timestamp=now - 301 - random.randrange(3600))
    elif kind == "from_the_future":
        headers = webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body, timestamp=now + 301 + random.randrange(3600))
    elif kind == "no_signature":
        del headers["X-Debitura-Signature"]
    else:
        headers["X-Debitura-Signature"] = "t=yesterday,v1=" + "0" * 64
    return body, headers


def deliver(item: tuple[str, dict]) -> tuple[bytes, dict[str, str]]:
    kind, envelope = item
    if kind == "genuine":
        body = webhook_events.body_of(envelope)
        return body, webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body)
    return forged(kind, envelope)


def test_a_shuffled_duplicated_concurrent_storm_ends_in_the_state_of_ordered_delivery(served, start, ordered_state):
    tenants, events = storm.stream(start)
    rng = random.Random(99)
    deliveries = [("genuine", envelope) for envelope in webhook_events.with_duplicates(events, storm.REPEAT_SHARE, seed=5)]
    assert len(deliveries) == storm.DELIVERIES
    forgeries = [(FORGERIES[number % len(FORGERIES)], rng.choice(events)) for number in range(FORGED)]
    for item in forgeries:
        deliveries.insert(rng.randrange(len(deliveries) + 1), item)
    storm.seed_tenants(served.app, tenants)
    served.serve(workers=WORKERS, threads=4)

    outcomes, _ = post_all(f"{served.url}/webhooks/debitura", deliveries, deliver, threads=SENDERS)

    answers = Counter((kind, outcome.status) for (kind, _), outcome in zip(deliveries, outcomes))
    assert answers[("genuine", 200)] == storm.DELIVERIES, answers
    assert sum(answers[(kind, 401)] for kind in FORGERIES) == FORGED, answers
    with served.app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(WebhookEvent))
        repeats = db.session.scalar(select(func.sum(WebhookEvent.duplicates)))
        failed = db.session.execute(
            select(WebhookEvent.event_type, WebhookEvent.error).where(WebhookEvent.outcome == "failed")).all()
        # Refusals are counted per source and minute: the counters add up to every forgery.
        refused = db.session.scalar(select(func.sum(WebhookRejection.count)))
        db.session.remove()
    tenants_now, cases_now = storm.mirror_state(served.app)
    tenants_then, cases_then = ordered_state
    differences = {key: (then, cases_now.get(key)) for key, then in cases_then.items() if cases_now.get(key) != then}
    differences.update({key: (then, tenants_now.get(key)) for key, then in tenants_then.items() if tenants_now.get(key) != then})
    differences.update({key: (None, "only after the storm") for key in (cases_now.keys() - cases_then.keys())})

    problems = []
    if (stored, repeats) != (storm.UNIQUE, storm.DELIVERIES - storm.UNIQUE):
        problems.append(f"{stored} events stored and {repeats} repeats counted, not {storm.UNIQUE} and "
                        f"{storm.DELIVERIES - storm.UNIQUE}")
    problems += [f"applying a {event_type} failed: {(error or '')[:160]}" for event_type, error in failed]
    if refused != FORGED:
        problems.append(f"{refused} refusals recorded for {FORGED} forged deliveries")
    if differences:
        problems.append(f"{len(differences)} tenants or cases differ from ordered delivery, e.g. "
                        f"{dict(list(differences.items())[:3])}")
    assert problems == []
