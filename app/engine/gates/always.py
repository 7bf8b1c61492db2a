"""`always`: fires unconditionally (for testing policies and mappings)."""

from collections.abc import Iterator

from app.engine.gate import Args, Firing, Gate, Scope

gate = Gate("always", "Triggers that fire unconditionally. Useful for testing policies.")


@gate.trigger("always", "Fires if present in a policy being evaluated. Useful for things "
              "like deny-listing images or testing mappings and allowlists.")
def always(scope: Scope, args: Args) -> Iterator[Firing]:
    yield Firing("Unconditional trigger match", instance_id="always")
