"""The demo builds real images, imports the bundled sample feed and fails the app image."""

from app.data import demo_image
from app.report.model import Report
from app.services import accounts, demo, images
from app.services.setup import initialize


def test_demo_checks_the_app_against_the_default_policy(db, tmp_path):
    initialize(db, admin_password="pw")
    result = demo.run(db, tmp_path)
    assert (result.feed.new, result.feed.skipped) == (141, 0)
    report = Report.from_check(result.result)
    latest = report.latest
    assert (report.tag, latest.status, latest.final_action) == (demo_image.APP_TAG, "fail",
                                                                "stop")
    found = {(f.gate, f.trigger, f.action, f.inherited_from_base) for f in latest.findings}
    assert ("dockerfile", "exposed_ports", "stop", False) in found  # the app exposes 22
    assert ("dockerfile", "instruction", "warn", True) in found  # so does the base: no check
    assert ("vulnerabilities", "package", "stop", False) in found  # urllib3 1.26.4, HIGH
    assert latest.base_digest is not None
    again = demo.run(db, tmp_path)  # idempotent: the same two images, no new records
    assert again.feed.new == 0
    assert again.result.image.digest == result.result.image.digest
    scope = accounts.scope_for(db, accounts.local_principal(db))
    assert len(images.list_images(db, scope)) == 2
