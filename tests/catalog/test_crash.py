"""A process killed with SIGKILL while it writes evaluations leaves no partial evaluation."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlmodel import func, select

from app.catalog.models import Evaluation, Finding

WRITER = textwrap.dedent("""
    import sys, uuid
    from datetime import UTC, datetime
    from app.catalog.db import Database
    from app.catalog.evaluations import save_evaluation
    from app.catalog.models import Account, Evaluation, Image, Policy

    db = Database(sys.argv[1])
    now = datetime.now(UTC)
    with db.transaction() as s:
        account = Account(name="crash", created_at=now)
        s.add(account); s.flush()
        image = Image(account_id=account.id, digest="sha256:" + "1" * 64, image_id="2" * 64,
                      layers=[], analyzed_at=now, source="test", first_layer=None,
                      analysis_hash="h")
        policy = Policy(account_id=account.id, policy_id="p", format_version="2", document={},
                        revision="r", created_at=now, updated_at=now)
        s.add(image); s.add(policy); s.flush()
        ids = (account.id, image.id, policy.id)
    print("ready", flush=True)
    row = dict(trigger_id="t", gate="g", trigger="t", message="m" * 200, action="stop",
               rule_action="stop", policy_id="rs", recommendation="")
    while True:
        with db.transaction() as s:
            e = Evaluation(id=uuid.uuid4().hex, account_id=ids[0], image_pk=ids[1], tag="x",
                           policy_pk=ids[2], policy_id="p", policy_revision="r",
                           cache_key=uuid.uuid4().hex, status="fail", final_action="stop",
                           final_action_reason="policy_evaluation", policy_action="stop",
                           evaluated_at=datetime.now(UTC), number_of_findings=2000,
                           problems=[])
            save_evaluation(s, evaluation=e, findings=[row] * 2000)
""")


@pytest.mark.parametrize("kills_after", [0.3, 0.7])
def test_sigkill_mid_write_leaves_only_whole_evaluations(db, kills_after):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db.url], stdout=subprocess.PIPE,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == b"ready"
    time.sleep(kills_after)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    db.dispose()  # reopen, as a new process would
    with db.read() as session:
        evaluations = session.exec(select(Evaluation)).all()
        counts = dict(session.exec(select(Finding.evaluation_pk, func.count())
                                   .group_by(Finding.evaluation_pk)).all())
    assert evaluations, "the writer stored nothing before it was killed"
    for evaluation in evaluations:
        assert counts.get(evaluation.pk) == evaluation.number_of_findings
    assert set(counts) == {e.pk for e in evaluations}  # no orphaned findings
