"""The squash against a plain model of overlay semantics, on random layer stacks: whiteouts and
opaque markers (anywhere in their layer's tar) hide lower layers only; a file replacing a
directory hides everything under it; the last writer of each path owns it."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analysis import analyze
from tests.analysis.builders import OPQ, WH, D, E, F, docker_archive

NAMES = ("a", "b", "c")
PATHS = [p for n1 in NAMES for p in
         [n1, *(f"{n1}/{n2}" for n2 in NAMES), *(f"{n1}/{n2}/{n3}" for n2 in NAMES
                                               for n3 in NAMES)]]

op = st.tuples(st.sampled_from(["file", "dir", "whiteout", "opaque"]), st.sampled_from(PATHS),
               st.integers(0, 3))
layers_strategy = st.lists(st.tuples(st.lists(op, max_size=8), st.randoms()), min_size=1,
                           max_size=4)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def build_layer(ops: list[tuple[str, str, int]], rnd) -> tuple[list[E], dict, set, set]:  # type: ignore[no-untyped-def]
    """A valid layer: additions (with their ancestor dirs), whiteouts, opaque dirs."""
    adds: dict[str, tuple[str, bytes]] = {}
    whiteouts: set[str] = set()
    opaques: set[str] = set()

    def add(path: str, kind: str, content: bytes = b"") -> bool:
        if any(a in adds and adds[a][0] != "dir" for a in _ancestors(path)):
            return False
        if path in adds or any(path == w or path.startswith(w + "/") for w in whiteouts):
            return False
        if kind == "file" and any(p.startswith(path + "/") for p in adds):
            return False
        for a in _ancestors(path):
            if a in whiteouts:
                return False
        for a in _ancestors(path):
            adds.setdefault(a, ("dir", b""))
        adds[path] = (kind, content)
        return True

    for kind, path, n in ops:
        if kind == "file":
            add(path, "file", f"{path}:{n}".encode())
        elif kind == "dir":
            add(path, "dir")
        elif kind == "whiteout":
            touched = any(p == path or p.startswith(path + "/") for p in adds)
            parents_ok = all(adds.get(a, ("dir",))[0] == "dir" for a in _ancestors(path))
            if not touched and parents_ok and path not in opaques:
                for a in _ancestors(path):
                    if a in whiteouts:
                        break
                else:
                    whiteouts.add(path)
                    for a in _ancestors(path):
                        adds.setdefault(a, ("dir", b""))
        elif kind == "opaque":
            if path not in adds:
                add(path, "dir")
            if adds.get(path, ("",))[0] == "dir":
                opaques.add(path)
    entries: list[E] = []
    for path in sorted(adds):
        kind, content = adds[path]
        entries.append(F(path, content) if kind == "file" else D(path))
    for marker in [*(WH(w) for w in sorted(whiteouts)), *(OPQ(o) for o in sorted(opaques))]:
        entries.insert(rnd.randint(0, len(entries)), marker)
    return entries, adds, whiteouts, opaques


def model(layers: list[tuple[dict, set, set]]) -> dict[str, tuple[str, str | None, int]]:
    state: dict[str, tuple[str, str | None, int]] = {}

    def drop_under(path: str, *, include_self: bool) -> None:
        for p in list(state):
            if p.startswith(path + "/") or (include_self and p == path):
                del state[p]

    for index, (adds, whiteouts, opaques) in enumerate(layers):
        for w in whiteouts:
            drop_under(w, include_self=True)
        for o in opaques:
            drop_under(o, include_self=False)
        for path in sorted(adds):
            kind, content = adds[path]
            if kind == "file":
                drop_under(path, include_self=False)
            digest = hashlib.sha256(content).hexdigest() if kind == "file" else None
            state[path] = (kind, digest, index)
    return state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers_strategy)
def test_squash_matches_the_overlay_model(spec) -> None:  # type: ignore[no-untyped-def]
    built_layers, model_layers = [], []
    for ops, rnd in spec:
        entries, adds, whiteouts, opaques = build_layer(ops, rnd)
        built_layers.append(entries)
        model_layers.append((adds, whiteouts, opaques))
    with tempfile.TemporaryDirectory() as tmp:
        built = docker_archive(str(Path(tmp) / "img.tar"), built_layers)
        result = analyze(built.path, retrieve_files=())
    got = {f.path.lstrip("/"): (f.type, f.sha256, f.layer) for f in result.files}
    want = {p: (k, d, built.diff_ids[i]) for p, (k, d, i) in model(model_layers).items()}
    assert got == want
