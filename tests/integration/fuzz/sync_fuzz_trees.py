"""Hypothesis strategies for bindings repositories: policy and binding documents with valid-ish values.

Values are drawn mostly from what validate accepts (so most trees reach plan and sync) with a share
of near misses (unknown pools, undefined windows, tags instead of digests, unknown fields, wrong
types), laid out in one or more files. A tree is a `Snapshot`: path -> bytes, plus a commit derived
from the content (so the reconciler's per-commit cache never confuses two trees).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from testkit import BAD_IMAGE, HOTFIX1, HOTFIX2, HOTFIX_4169

from reconciler.model import Snapshot

REPO = "https://git.example.com/platform/layering.git"
API = "layering.gitops.dev/v1alpha1"

# ---- budgets: a small fixed one in the default suite, a long one by LAYERING_FUZZ_EXAMPLES ----------
_EXAMPLES = int(os.environ.get("LAYERING_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXAMPLES or 30,
    deadline=None,
    derandomize=not _EXAMPLES,  # the default suite always draws the same trees
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# ---- values ---------------------------------------------------------------------------------------
POOLS = ("worker", "canary", "master", "infra", "gone")  # the sim has worker, canary, master
IMAGES = (HOTFIX1, HOTFIX2, HOTFIX_4169, BAD_IMAGE)
WINDOW_NAMES = ("weeknights", "always", "sundays")
SCHEDULES = ("0 22 * * 1-5", "* * * * *", "*/15 * * * *", "0 0 * * 0", "30 2 1 * *", "0 */4 * * *")
TIME_ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
# Window and bake durations stay within two days here: larger (hostile) durations are the corpus of
# test_fuzz_plan_sync (they need the bounded-duration work of issue 10's input side).
MAX_SECONDS = 48 * 3600

pool_names = st.sampled_from(POOLS) | st.from_regex(r"\A[a-z][a-z0-9]{0,5}\Z")
digests = st.binary(min_size=32, max_size=32).map(lambda b: "quay.io/my-registry/rhcos-x@sha256:" + b.hex())
near_miss_images = st.sampled_from(("quay.io/my-registry/rhcos-hotfix:latest", "docker.io/evil/x@sha256:" + "a" * 64))
images = st.sampled_from(IMAGES) | digests


def mostly(valid: st.SearchStrategy[object], near_miss: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """`valid` nine times in ten, else a near miss validate must refuse (or plan must block)."""
    return st.sampled_from((False,) * 9 + (True,)).flatmap(lambda miss: near_miss if miss else valid)


def one_in(n: int) -> st.SearchStrategy[bool]:
    return st.sampled_from((False,) * (n - 1) + (True,))


def duration_text(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return text or "0s"


durations = st.integers(min_value=0, max_value=MAX_SECONDS).map(duration_text)


@st.composite
def window_docs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "name": draw(st.sampled_from(WINDOW_NAMES)),
        "schedule": draw(st.sampled_from(SCHEDULES)),
        "duration": draw(st.integers(min_value=1, max_value=MAX_SECONDS).map(duration_text)),
        "timeZone": draw(st.sampled_from(TIME_ZONES)),
    }


@st.composite
def policy_docs(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {
        "bakeTime": durations,
        "onDegraded": st.sampled_from(("halt", "rollback")),
        "allowEmpty": st.booleans(),
        "registries": st.sampled_from(([], ["quay.io/my-registry/"], ["quay.io/"])),
        "windows": st.lists(window_docs(), max_size=3, unique_by=lambda w: str(w["name"])),
        "overrun": st.sampled_from(("finish", "pause")),
        "stallTimeout": st.integers(min_value=1, max_value=MAX_SECONDS).map(duration_text),
    }
    for key, values in optional.items():
        if draw(st.booleans()):
            spec[key] = draw(values)
    if draw(one_in(10)):
        spec["bakeTme"] = "5m"  # a typo: must be refused
    return {"apiVersion": API, "kind": "LayeringPolicy", "metadata": {"name": "default"}, "spec": spec}


@st.composite
def binding_docs(draw: st.DrawFn, pool: str, windows: tuple[str, ...]) -> dict[str, Any]:
    spec: dict[str, Any] = {"pool": pool, "osImageURL": draw(mostly(images, near_miss_images))}
    if draw(st.booleans()):
        spec["stage"] = draw(mostly(st.integers(0, 3), st.sampled_from((-1, "1"))))
    if draw(one_in(3)) and windows:
        spec["window"] = draw(mostly(st.sampled_from(windows), st.just("undefined")))
    elif draw(one_in(20)):
        spec["window"] = "undefined"
    if draw(one_in(5)):
        spec["acceptConflicts"] = draw(st.booleans())
    name = "dup-name" if draw(one_in(20)) else f"{pool}-image"
    return {"apiVersion": API, "kind": "PoolImageBinding", "metadata": {"name": name}, "spec": spec}


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block YAML for plain dicts, lists and scalars (the loader refuses anchors and flow is not needed)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        out = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
            else:
                out.append(f"{pad}{key}: {_scalar(item)}\n")
        return "".join(out)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        out = []
        for item in value:
            body = to_yaml(item, indent + 2)
            out.append(f"{pad}- {body.lstrip()}")
        return "".join(out)
    return pad + _scalar(value) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def trees(draw: st.DrawFn, min_bindings: int = 0) -> Snapshot:
    """A repository: maybe a policy, 0..4 bindings spread over 1..3 files under bindings/."""
    files: dict[str, bytes] = {}
    windows: tuple[str, ...] = ()
    if not draw(one_in(5)):
        policy = draw(policy_docs())
        windows = tuple(w["name"] for w in policy["spec"].get("windows", ()))
        files["layering.yaml"] = to_yaml(policy).encode()
    pools = draw(st.lists(pool_names, min_size=min_bindings, max_size=4, unique=not draw(one_in(10))))
    docs = [draw(binding_docs(p, windows)) for p in pools]
    per_file: dict[str, list[str]] = {}
    for doc in docs:
        name = draw(st.sampled_from(("bindings/a.yaml", "bindings/b.yml", "bindings/team/c.yaml")))
        per_file.setdefault(name, []).append(to_yaml(doc))
    for name, texts in per_file.items():
        files[name] = "---\n".join(texts).encode()
    if draw(one_in(6)):
        files["README.md"] = b"# bindings\n"  # outside bindings/: never an input
    return snapshot(files)


def snapshot(files: dict[str, bytes]) -> Snapshot:
    digest = hashlib.sha1(b"".join(k.encode() + b"\0" + v + b"\0" for k, v in sorted(files.items())))
    return Snapshot(REPO, digest.hexdigest(), dict(files))


# Names under bindings/ the loader does not read today (only *.yaml / *.yml are inputs).
UNLOADED_SUFFIXES = (".yaml.disabled", ".bak", ".txt", ".json", ".YAML", ".yaml~")
