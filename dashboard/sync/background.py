"""Run an admin-started sync in a background thread of this process.

The thread only does the work of a run the request already opened (lease taken, row
written), so the page can show the run at once and poll its progress.
"""

from __future__ import annotations

import threading

from flask import Flask

from dashboard.extensions import db
from dashboard.services import sync as sync_service
from dashboard.wiring import debitura


def start_in_background(app: Flask, run_id: int) -> threading.Thread:
    def work() -> None:
        with app.app_context():
            try:
                sync_service.execute_run(run_id, debitura=debitura())
            except Exception:  # recorded on the run by execute_run; a thread must not die noisily
                app.logger.exception("Background sync %s ended with an error", run_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"sync-{run_id}", daemon=True)
    # Kept so tests (and a graceful shutdown) can wait for the run instead of sleeping.
    app.extensions.setdefault("sync_threads", {})[run_id] = thread
    thread.start()
    return thread
