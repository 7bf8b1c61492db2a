"""A fixed report for the golden files: every feature a format must show (STOP, WARN and
allowlisted GO findings, inherited and not, a policy problem, a base image, history), and
text that needs escaping in HTML, Markdown, CSV and XML."""

from __future__ import annotations

from datetime import UTC, datetime

from app.report.model import EvaluationView, FindingView, Report

DIGEST = "sha256:" + "ab" * 32
BASE = "sha256:" + "cd" * 32
IMAGE_ID = "ef" * 32
TAG = "docker.io/my-org/api:1.4.0"


def finding(trigger_id, gate, trigger, message, action, *, rule_id, rule_action=None,
            allowlisted=False, inherited=None, policy_id="strict"):
    return FindingView(
        trigger_id=trigger_id, gate=gate, trigger=trigger, message=message, action=action,
        rule_action=rule_action or action, policy_id=policy_id, rule_id=rule_id,
        recommendation="", inherited_from_base=inherited,
        allowlist_match={"id": "al-1", "name": "Team exceptions", "matched_rule_id": "item-7"}
        if allowlisted else None)


FINDINGS = [
    finding("0f1e", "files", "suid_or_guid_set",
            "SUID or SGID found set on file /usr/bin/passwd. Mode: 0o104755", "stop",
            rule_id="suid", inherited=True),
    finding("1a2b", "files", "suid_or_guid_set",
            "SUID or SGID found set on file /usr/bin/newgrp. Mode: 0o104755", "stop",
            rule_id="suid", inherited=False),
    finding("41cb7cdf04850e33a11f80c42bf660b3", "dockerfile", "instruction",
            "Dockerfile directive 'HEALTHCHECK' not found, matching condition 'not_exists' "
            "check", "warn", rule_id="health", inherited=True),
    finding("9c9c", "secret_scans", "content_regex_checks",
            "Secret search analyzer found regexp match in container: file=/app/<config>.env "
            "regexp=AWS_KEY | \"quoted\" & more", "go", rule_id="secrets",
            rule_action="stop", allowlisted=True, inherited=False),
]

MAPPING = {"id": "all", "name": "all", "registry": "*", "repository": "*",
           "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["strict"],
           "allowlist_ids": ["al-1"]}

POLICY = {
    "id": "checks", "name": "CI checks", "version": "2",
    "rule_sets": [{"id": "strict", "name": "strict", "version": "2", "rules": [
        {"id": "suid", "gate": "files", "trigger": "suid_or_guid_set", "action": "STOP",
         "params": []},
        {"id": "health", "gate": "dockerfile", "trigger": "instruction", "action": "WARN",
         "params": [{"name": "instruction", "value": "HEALTHCHECK"},
                    {"name": "check", "value": "not_exists"}]},
        {"id": "secrets", "gate": "secret_scans", "trigger": "content_regex_checks",
         "action": "STOP", "params": []},
        {"id": "ports", "gate": "dockerfile", "trigger": "exposed_ports", "action": "STOP",
         "params": [{"name": "ports", "value": "22"}, {"name": "type", "value": "blacklist"}]},
    ]}],
    "allowlists": [{"id": "al-1", "name": "Team exceptions", "version": "2", "items": [
        {"id": "item-7", "gate": "secret_scans", "trigger_id": "9c9c"}]}],
    "mappings": [MAPPING],
}


def evaluation(eid, when, status, action, findings, problems=()):
    return EvaluationView(
        id=eid, status=status, final_action=action, final_action_reason="policy_evaluation",
        policy_action=action, evaluated_at=when, base_digest=BASE,
        number_of_findings=len(findings) if findings is not None else 2,
        problems=list(problems), matched_mapping_rule=MAPPING,
        matched_allowlisted_images_rule=None, matched_denylisted_images_rule=None,
        findings=findings)


PROBLEM = {"severity": "warn", "problem_type": "DeprecationWarning",
           "details": "gate files trigger suid_or_guid_set: deprecated in a later release"}


def report(*, history: bool = True) -> Report:
    latest = evaluation("5f0c" + "0" * 28, datetime(2025, 3, 1, 12, 0, tzinfo=UTC), "fail",
                        "stop", FINDINGS, [PROBLEM])
    older = evaluation("77aa" + "0" * 28, datetime(2025, 2, 27, 8, 30, tzinfo=UTC), "pass",
                       "warn", FINDINGS[2:3])
    return Report(image_digest=DIGEST, image_id=IMAGE_ID, tag=TAG, policy_id="checks",
                  policy_name="CI checks", policy_document=POLICY,
                  evaluations=[latest, older] if history else [latest])


def passing() -> Report:
    only = evaluation("c0de" + "0" * 28, datetime(2025, 3, 1, 12, 0, tzinfo=UTC), "pass",
                      "warn", FINDINGS[2:3])
    return Report(image_digest=DIGEST, image_id=IMAGE_ID, tag=TAG, policy_id="checks",
                  policy_name="CI checks", policy_document=POLICY, evaluations=[only])
