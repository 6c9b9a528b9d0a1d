"""Benchmark 4: the token economy. 200 case submissions for one tenant through four gunicorn workers.

Operators submit through the real pages (draft, pricing preview, submit) from concurrent
browsers; every call the workers make to the sandbox is logged, so the bearer tokens minted
are counted at the source. The target is one mint per token lifetime (30 minutes) per tenant,
shared by all workers through the database, where the token is stored encrypted.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select

from benchmarks import apps, databases, report
from benchmarks.browsing import create_operator, sign_in
from benchmarks.server import Gunicorn
from benchmarks.stats import Latency
from benchmarks.workloads import case_form, ready_tenant
from dashboard.extensions import db
from dashboard.models import BearerToken, CaseSubmission

SUBMISSIONS = 200
BROWSERS = 8
WORKERS = 4


def _submit_one(session: requests.Session, csrf: str, base: str, tenant_id: int) -> tuple[float, str]:
    started = time.perf_counter()
    draft = session.get(f"{base}/cases/new/{tenant_id}", allow_redirects=False, timeout=60)
    location = draft.headers["Location"]
    url = location if location.startswith("http") else f"{base}{location}"
    form = {**case_form(f"TOK-{uuid.uuid4().hex[:10]}"), "csrf_token": csrf}
    session.post(url, data={**form, "action": "preview"}, timeout=60).raise_for_status()
    sent = session.post(url, data={**form, "action": "submit"}, allow_redirects=False, timeout=60)
    return time.perf_counter() - started, f"{sent.status_code}"


def bench(workdir: Path) -> None:
    if not databases.postgres_answers():
        report.note("Token economy", "not measured", "PostgreSQL", False, "PostgreSQL unavailable")
        return
    sandbox_url = apps.workdir_sandbox_url(workdir, "tokens-sandbox.db")
    exchanges = workdir / "tokens-exchanges.log"
    with databases.private_schema("bench_tokens") as url:
        app = apps.build(url, sandbox_url)
        apps.prepare(app)
        tenant_id = ready_tenant(app, "token-economy")
        emails = [create_operator(app, f"op{n}-{uuid.uuid4().hex[:6]}@bench.example") for n in range(BROWSERS)]
        env = {**apps.settings(url, sandbox_url), "BENCH_EXCHANGE_LOG": str(exchanges)}
        with Gunicorn(env, workers=WORKERS, threads=4) as server:
            local = threading.local()
            logins = iter(emails)
            login_lock = threading.Lock()

            def submit(_: int) -> tuple[float, str]:
                if not hasattr(local, "session"):
                    local.session = requests.Session()
                    with login_lock:
                        email = next(logins)
                    local.csrf = sign_in(local.session, server.url, email)
                return _submit_one(local.session, local.csrf, server.url, tenant_id)

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=BROWSERS) as pool:
                results = list(pool.map(submit, range(SUBMISSIONS)))
            wall = time.perf_counter() - started
        calls = Counter(" ".join(line.split()[:2]) for line in exchanges.read_text().splitlines())
        with app.app_context():
            statuses = dict(db.session.execute(
                select(CaseSubmission.status, func.count()).group_by(CaseSubmission.status)
            ).all())
            stored = db.session.scalars(select(BearerToken)).all()
            plaintext = [row for row in stored if row.ciphertext.count(".") == 2 or row.ciphertext.startswith("eyJ")]
            db.session.remove()
        apps.dispose(app)

    mints = calls.get("POST /sandbox/referral-api/oauth/token", 0)
    created = calls.get("POST /sandbox/customer-api/cases", 0)
    latency = Latency.of([seconds for seconds, _ in results])
    report.table(
        ("submissions", "browsers", "workers", "wall s", "per submission median ms", "p95 ms",
         "cases created at Debitura", "tokens minted", "token rows stored", "stored as plaintext JWT"),
        [(SUBMISSIONS, BROWSERS, WORKERS, f"{wall:.1f}", f"{latency.median:.0f}", f"{latency.p95:.0f}", created, mints,
          len(stored), len(plaintext))],
    )
    report.say(f"  submission outcomes in the dashboard: {statuses}")
    report.say("  each submission = draft + pricing preview + submit (three requests); tokens are Fernet-encrypted at rest")
    report.note(f"Token economy: tokens minted for {SUBMISSIONS} submissions, {WORKERS} workers", str(mints), "= 1 per 30-minute lifetime",
                mints == 1, "" if mints == 1 else f"{mints - 1} extra mints")
    report.note("Token economy: cases created", f"{created} of {SUBMISSIONS}", f"{SUBMISSIONS}",
                created == SUBMISSIONS and statuses.get("created", 0) == SUBMISSIONS)
    report.note("Token economy: token stored encrypted", f"{len(plaintext)} plaintext of {len(stored)}", "0 plaintext",
                not plaintext and len(stored) == 1)
