"""Hypothesis strategies: bindings repositories as a careless colleague or an attacker writes them.

Trees hold a policy and binding files whose documents start valid and are then mutated (values
replaced by any YAML value, keys dropped or added, text with control characters, huge numbers and
durations, Kubernetes metadata), plus raw YAML-ish text and files the loader does not read.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.compat import StringIO

HOTFIX = "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"

TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
TRICKY = st.sampled_from([
    "", "0", "90", "1h30m", "1.5h", "1d", "30d", "31d", "99999999999999999h", "0s", "-1h", "1e9h", ".5m",
    "worker", "worker\n", "a\x1bb", "0 22 * * 1-5", "0 0 30 2 *", "* * * * *", "61 * * * *", "0 22 1 * mon",
    "Europe/Berlin", "Mars/Olympus", "UTC", "../../etc", "quay.io/x/y:tag", HOTFIX, "halt", "rollback",
    "pause", "finish", "weeknights", "x" * 300,
])
SCALARS = st.one_of(
    TRICKY, TEXT, st.integers(min_value=-(10**30), max_value=10**30), st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def valid_binding(name: str, pool: str) -> dict[str, Any]:
    return {
        "apiVersion": "layering.gitops.dev/v1alpha1",
        "kind": "PoolImageBinding",
        "metadata": {"name": name, "labels": {"team": "a"}},
        "spec": {"pool": pool, "osImageURL": HOTFIX, "stage": 1},
    }


def valid_policy() -> dict[str, Any]:
    return {
        "apiVersion": "layering.gitops.dev/v1alpha1",
        "kind": "LayeringPolicy",
        "metadata": {"name": "default", "annotations": {"note": "two\nlines"}},
        "spec": {
            "bakeTime": "10m", "onDegraded": "halt", "allowEmpty": False, "registries": ["quay.io/my-registry/"],
            "windows": [{"name": "weeknights", "schedule": "0 22 * * 1-5", "duration": "6h",
                         "timeZone": "Europe/Berlin"}],
            "overrun": "finish", "stallTimeout": "1h",
        },
    }


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any]) -> Any:
    """The document with a few of its nodes replaced, dropped or joined by unknown keys."""
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        path = _paths(document)
        target = draw(st.sampled_from(path)) if path else []
        parent: Any = document
        for step in target[:-1]:
            parent = parent[step]
        if not target:
            return draw(VALUES)
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        last = target[-1]
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "drop" and isinstance(parent, dict):
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(TEXT)] = draw(VALUES)
    return document


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[list[Any]]:
    found: list[list[Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        found.append([*prefix, key])
        found.extend(_paths(value, (*prefix, key)))
    return found


def dump(documents: list[Any]) -> str:
    stream = StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump_all(documents, stream)
    return stream.getvalue()


RAW_SNIPPETS = st.sampled_from([
    "a: 2001-02-30\n", "a: 2001-01-01T25:00:00\n", "a: " + "9" * 5000 + "\n", "a: 0x" + "f" * 50 + "\n",
    "a: 1e99999\n", "a: .nan\n", "? [a, b]\n: c\n", "!!binary aGk=\n", "%YAML 1.1\n---\na: yes\n",
    "a: " + "[" * 40 + "]" * 40 + "\n", "a: &x 1\nb: *x\n", "\ufeffa: 1\n", "a: 1\na: 2\n",
    "a: !!bool ''\n", "a: !!int ''\n", "a: !!float x\n", "a: !!null 1\n", "a: !!int 0x1f\n",
    'a: "\\U00110000"\n', "#c\n|2 #c\n", '["k":v]\n', "a: 1\n...\n...\n", "a: |\n \n  x\n",
])
RAW_YAML = st.one_of(
    st.text(st.sampled_from(list("ab: -[]{}\n'\"#&*!|>%@`,?0123456789T.e\t\\")), max_size=80),
    st.lists(RAW_SNIPPETS, min_size=1, max_size=3).map("".join),
)
FILE_NAMES = st.sampled_from([
    "bindings/worker.yaml", "bindings/infra.yml", "bindings/sub/canary.yaml", "bindings/worker.yml.bak",
    "bindings/notes.txt", "bindings/.gitkeep", "bindings/README.md", "layering.yml", "other/x.yaml",
])


@st.composite
def trees(draw: st.DrawFn) -> dict[str, bytes]:
    """path -> content of a repository commit (as the source stage hands it over)."""
    files: dict[str, bytes] = {}
    with_policy = draw(st.booleans())
    if with_policy:
        files["layering.yaml"] = dump([draw(mutated(valid_policy()))]).encode()
    pools = iter(draw(st.permutations(["worker", "infra", "canary", "master", "worker"])))
    for index in range(draw(st.integers(0, 2))):
        documents = []
        for n in range(draw(st.integers(1, 2))):
            binding = valid_binding(f"b{index}-{n}", next(pools))
            if with_policy and draw(st.booleans()):
                binding["spec"]["window"] = "weeknights"
            documents.append(draw(mutated(binding)))
        files[draw(FILE_NAMES)] = dump(documents).encode()
    if draw(st.integers(0, 4)) == 0:
        raw = draw(st.one_of(RAW_YAML, st.binary(max_size=40).map(lambda b: b.decode("latin-1"))))
        files[draw(FILE_NAMES)] = raw.encode() if draw(st.booleans()) else raw.encode("utf-16")
    return files
