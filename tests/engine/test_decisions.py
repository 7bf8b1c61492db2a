"""Final action, reason and status (spec §5), and broken policies (still an evaluation)."""

import pytest

from app.engine import Action, Facts, compile_policy, evaluate
from app.engine.gate import Gate
from app.engine.gates import GATES
from tests.engine.helpers import NOW, TAG, decide, image, policy, rule

STOP_RULE = rule("always", "always", "STOP")
WARN_RULE = rule("dockerfile", "no_dockerfile_provided", "WARN", rule_id="r-2")


def selector(registry="*", repository="*", kind="tag", value="*"):
    return {"id": "s", "name": "s", "registry": registry, "repository": repository,
            "image": {"type": kind, "value": value}}


@pytest.mark.parametrize(("rules", "extra", "final", "reason", "policy_action", "status"), [
    ([], {}, "go", "policy_evaluation", "go", "pass"),
    ([WARN_RULE], {}, "warn", "policy_evaluation", "warn", "pass"),
    ([WARN_RULE, STOP_RULE], {}, "stop", "policy_evaluation", "stop", "fail"),
    ([STOP_RULE], {"allowlisted_images": [selector()]}, "go", "allowlisted", "stop", "pass"),
    ([], {"denylisted_images": [selector()]}, "stop", "denylisted", "go", "fail"),
    ([], {"denylisted_images": [selector()], "allowlisted_images": [selector()]}, "stop",
     "denylisted", "go", "fail"),
    ([STOP_RULE], {"allowlisted_images": [selector(kind="digest", value="sha256:" + "d" * 64)]},
     "go", "allowlisted", "stop", "pass"),
    ([STOP_RULE], {"allowlisted_images": [selector(kind="id", value="e" * 64)]},
     "go", "allowlisted", "stop", "pass"),
    ([STOP_RULE], {"allowlisted_images": [selector(kind="id", value="nope")]},
     "stop", "policy_evaluation", "stop", "fail"),
    ([STOP_RULE], {"allowlisted_images": [selector(repository="other")]},
     "stop", "policy_evaluation", "stop", "fail"),
])
def test_final_action(rules, extra, final, reason, policy_action, status):
    decision = decide(policy(rules, **extra), image(dockerfile_mode="Guessed"))
    assert decision.final_action.label == final
    assert decision.final_action_reason == reason
    assert decision.policy_action.label == policy_action
    assert decision.status == status
    # listed images still report their policy findings
    assert len(decision.findings) == len(rules)


def test_images_lists_apply_even_without_a_mapping():
    doc = policy([STOP_RULE], denylisted_images=[selector()])
    doc["mappings"][0]["registry"] = "gcr.io"
    decision = decide(doc, image())
    assert (decision.final_action, decision.final_action_reason) == (Action.STOP, "denylisted")
    assert decision.findings == ()


def test_missing_required_param_stops_with_one_problem_and_no_findings():
    doc = policy([STOP_RULE, rule("dockerfile", "exposed_ports", rule_id="bad", type="blacklist")])
    decision = decide(doc, image())
    assert decision.final_action is Action.STOP and decision.findings == ()
    [problem] = decision.problems
    assert problem.problem_type == "ParameterValueInvalidError"
    assert problem.location == "rule_sets[0].rules[1].params"
    assert "required parameter 'ports' is missing" in problem.details
    assert "gate=dockerfile,trigger=exposed_ports,rule_id=bad" in problem.details


def test_problems_outside_the_matched_mapping_do_not_count():
    doc = policy([STOP_RULE])
    doc["rule_sets"].append({"id": "broken", "name": "b", "version": "2",
                             "rules": [rule("nosuchgate", "x")]})
    decision = decide(doc, image())
    assert decision.problems == () and len(decision.findings) == 1
    assert not compile_policy(doc).valid  # but validation reports it


def test_end_of_life_gate_is_reported_and_skipped():
    doc = policy([rule("DOCKERFILECHECK", "NOFROM"), WARN_RULE])
    decision = decide(doc, image(dockerfile_mode="Guessed"))
    [problem] = decision.problems
    assert (problem.problem_type, problem.severity) == ("EndOfLifedError", "error")
    assert "use the 'dockerfile' gate" in problem.details
    assert decision.final_action is Action.WARN  # the rest of the policy decides
    assert not compile_policy(doc).valid  # strict validation refuses it


def test_a_failing_trigger_is_a_problem_naming_the_rule_and_fails_closed(monkeypatch):
    def boom(view, args):
        raise ValueError("malformed facts")
        yield

    gate = GATES["always"]
    monkeypatch.setattr(gate, "triggers", {"always": gate.triggers["always"].__class__(
        "always", "", (), boom)})
    decision = decide(policy([STOP_RULE]), image())
    [problem] = decision.problems
    assert problem.problem_type == "TriggerEvaluationError"
    assert problem.details == ("rule_sets[0].rules[0]: rule r-1 (always/always) failed: "
                               "ValueError: malformed facts")
    assert decision.final_action is Action.STOP


def test_unsupported_version_still_yields_a_stop_evaluation():
    compiled = compile_policy({"version": "3", "rule_sets": []})
    decision = evaluate(compiled, Facts(image()), tag=TAG, now=NOW)
    assert decision.final_action is Action.STOP
    [problem] = decision.problems
    assert problem.problem_type == "UnsupportedVersionError"
    assert "'1_0'" in problem.details and "'2'" in problem.details


def test_findings_come_out_in_policy_then_gate_group_then_rule_order():
    rules = [rule("dockerfile", "no_dockerfile_provided", rule_id="d1"),
             rule("always", "always", rule_id="a1"),
             rule("dockerfile", "instruction", rule_id="d2", instruction="CMD",
                  check="not_exists")]
    decision = decide(policy(rules), image(dockerfile_mode="Guessed", dockerfile="FROM x"))
    assert [f.rule_id for f in decision.findings] == ["d1", "d2", "a1"]


def test_gate_registry_is_case_insensitive_and_names_are_canonical():
    decision = decide(policy([rule("ALWAYS", "Always", "stop")]), image())
    [finding] = decision.findings
    assert (finding.gate, finding.trigger, finding.action) == ("always", "always", Action.STOP)
    assert isinstance(GATES["always"], Gate)
