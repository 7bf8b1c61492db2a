"""Random documents either compile or list problems; neither compiling nor evaluating ever
raises."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import Facts, compile_policy, evaluate
from app.engine.gates import GATES
from tests.engine.helpers import NOW, TAG, image

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=10)


def maybe(strategy):
    """Mostly well-typed, sometimes anything."""
    return st.one_of(strategy, strategy, strategy, json_values)


gate_names = st.sampled_from([*GATES, "anchoresec", "nosuch", "ALWAYS"])
trigger_names = st.sampled_from(sorted({t for g in GATES.values() for t in g.triggers}
                                       | {"nosuch"}))
param_names = st.sampled_from(sorted({p.name for g in GATES.values() for t in g.triggers.values()
                                      for p in t.params} | {"nosuch"}))
ids = st.sampled_from(["a", "b", "c"])
patterns = st.sampled_from(["*", "docker.io", "regexp:(", "regexp:.*", "lib*", "x"])

params = st.fixed_dictionaries({"name": maybe(param_names),
                                "value": maybe(st.sampled_from(["1", "true", "x", "22", "*", "",
                                                                "regexp:[", "=", "exists"]))})
rules = st.fixed_dictionaries(
    {"gate": maybe(gate_names), "trigger": maybe(trigger_names),
     "action": maybe(st.sampled_from(["STOP", "warn", "GO", "halt"]))},
    optional={"id": maybe(ids), "params": maybe(st.lists(params, max_size=4))})
rule_sets = st.fixed_dictionaries({"id": maybe(ids), "version": maybe(st.just("2")),
                                   "rules": maybe(st.lists(rules, max_size=4))})
items = st.fixed_dictionaries(
    {"gate": maybe(gate_names), "trigger_id": maybe(patterns)},
    optional={"id": maybe(ids), "expires_on": maybe(st.sampled_from(
        ["2020-01-01", "2999-01-01T00:00:00Z", "soon", ""]))})
allowlists = st.fixed_dictionaries({"id": maybe(ids), "version": maybe(st.just("2")),
                                    "items": maybe(st.lists(items, max_size=3))})
image_refs = st.fixed_dictionaries({"type": maybe(st.sampled_from(["tag", "digest", "id", "x"])),
                                    "value": maybe(patterns)})
selectors = st.fixed_dictionaries({"registry": maybe(patterns), "repository": maybe(patterns),
                                   "image": maybe(image_refs)})
mappings = st.fixed_dictionaries(
    {"registry": maybe(patterns), "repository": maybe(patterns), "image": maybe(image_refs)},
    optional={"rule_set_ids": maybe(st.lists(ids, max_size=2)),
              "allowlist_ids": maybe(st.lists(ids, max_size=2))})
documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"version": maybe(st.sampled_from(["2", "1_0"]))},
        optional={"id": maybe(ids), "rule_sets": maybe(st.lists(rule_sets, max_size=3)),
                  "policies": maybe(st.lists(rule_sets, max_size=2)),
                  "allowlists": maybe(st.lists(allowlists, max_size=2)),
                  "mappings": maybe(st.lists(mappings, max_size=3)),
                  "allowlisted_images": maybe(st.lists(selectors, max_size=2)),
                  "denylisted_images": maybe(st.lists(selectors, max_size=2))}),
)

FACTS = Facts(image(dockerfile_mode="Guessed", dockerfile="FROM x\nEXPOSE 22\nUSER app\n"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_compile_or_report_problems(document):
    compiled = compile_policy(document)
    for problem in compiled.problems:
        assert problem.severity in ("error", "warn")
        assert problem.details
    decision = evaluate(compiled, FACTS, tag=TAG, now=NOW)
    if not compiled.valid and any(not p.end_of_life and p.severity == "error"
                                  for p in decision.problems):
        assert decision.findings == ()
        assert decision.final_action.label == "stop" or decision.final_action_reason != (
            "policy_evaluation")
