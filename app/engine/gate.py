"""Gates and triggers as declared data.

A gate groups triggers and prepares, once per evaluation, the view of the facts its
triggers read. A trigger declares its parameters and is a pure function from that view and
its parsed arguments to firings. Nothing here keeps state between evaluations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.engine.facts import Facts, ImageFacts
from app.engine.params import Param


@dataclass(frozen=True, slots=True)
class Firing:
    message: str
    instance_id: str | None = None  # an explicit trigger id; else md5(gate+trigger+message)


@dataclass(frozen=True, slots=True)
class Scope:
    """What every gate sees: the facts and the moment of evaluation."""

    facts: Facts
    now: datetime

    @property
    def image(self) -> ImageFacts:
        return self.facts.image


@dataclass(frozen=True, slots=True)
class Args:
    """A rule's parsed parameters, by canonical name, plus the rule's id."""

    values: dict[str, Any]
    rule_id: str | None = None

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None


class TriggerError(Exception):
    """A trigger met data it cannot read; the evaluation reports it against the rule."""


TriggerFn = Callable[[Any, Args], Iterable[Firing]]
# Checks that span several parameters: returns the problems, each a sentence.
CrossCheck = Callable[[dict[str, Any]], list[str]]


@dataclass(frozen=True)
class Trigger:
    name: str
    description: str
    params: tuple[Param, ...]
    fn: TriggerFn
    aliases: tuple[str, ...] = ()  # Enterprise spellings (denylist_*) of the same trigger
    check: CrossCheck | None = None
    state: str = "active"
    # A trigger that reads the filesystem cannot judge an SBOM-only image (see Gate).
    needs_filesystem: bool = False

    def param(self, name: str) -> Param | None:
        for param in self.params:
            if name == param.name or name in param.aliases:
                return param
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "description": self.description,
            "state": self.state,
            "superseded_by": None,
            "parameters": [param.describe() for param in self.params],
        }


def trigger_id(gate: str, trigger: str, message: str) -> str:
    """Anchore's default trigger id: md5 of gate name, trigger name and message."""
    return hashlib.md5((gate + trigger + message).encode(), usedforsecurity=False).hexdigest()


@dataclass
class Gate:
    name: str
    description: str
    # Builds the gate's view of the facts once per evaluation; by default the Scope itself.
    prepare: Callable[[Scope], Any] = lambda scope: scope
    # Gates that read the filesystem cannot judge an SBOM-only image.
    needs_filesystem: bool = False
    state: str = "active"
    superseded_by: str | None = None
    triggers: dict[str, Trigger] = field(default_factory=dict)
    _aliases: dict[str, str] = field(default_factory=dict)

    def trigger(
        self,
        name: str,
        description: str,
        params: Iterable[Param] = (),
        *,
        aliases: Iterable[str] = (),
        check: CrossCheck | None = None,
        needs_filesystem: bool = False,
    ) -> Callable[[TriggerFn], TriggerFn]:
        """Declare a trigger: `@gate.trigger("name", "what it does", [params...])`."""

        def register(fn: TriggerFn) -> TriggerFn:
            spec = Trigger(name, description, tuple(params), fn, tuple(aliases), check,
                           needs_filesystem=needs_filesystem)
            self.triggers[name] = spec
            for alias in spec.aliases:
                self._aliases[alias] = name
            return fn

        return register

    def find_trigger(self, name: str) -> Trigger | None:
        """Case-insensitive, Enterprise spellings included."""
        key = name.lower()
        return self.triggers.get(key) or self.triggers.get(self._aliases.get(key, ""))

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "state": self.state,
            "superseded_by": self.superseded_by,
            "triggers": [t.describe() for t in self.triggers.values()],
        }


def fire(messages: Iterable[str]) -> Iterator[Firing]:
    for message in messages:
        yield Firing(message)
