"""`reconciler validate` imports only what parsing a repository needs: not the kubernetes client nor
any HTTP client, the scheduler (intent reads cron triggers only), the terminal UI, the diff library or
the simulator (each costs from a hundredth to a tenth of a second to import). With its files in the
parse cache, neither the YAML parsers, the schema validator nor gitpython is imported either; nor are
the first two when `plan` reads a repository it parsed before. `plan` builds only its own options,
so it imports neither the simulator's command line (mcosim) nor what other commands and options use
(registry checks, events of writes, temporary files, time zones)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcosim import SimConfig, Simulator

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("kubernetes", "urllib3", "apscheduler.schedulers", "rich", "deepdiff", "mcosim", "http.client",
         "reconciler.cluster.adapter", "reconciler.report", "reconciler.rollout")
PROBE = """
import json, sys
from reconciler.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


# what `plan` of a parsed repository, against a static kubeconfig, with no windows, never needs
PLAN_NEVER = ("kubernetes", "urllib3", "apscheduler", "rich", "mcosim", "reconciler.images", "urllib.request",
              "tempfile", "zoneinfo", "fractions", "decimal", "git", "ruamel.yaml", "yaml", "jsonschema")
PARSERS = ("ruamel.yaml", "yaml", "jsonschema", "apscheduler")  # (the ruamel namespace package is empty)
SOURCE_AND_INTENT = """
import json, sys
from pathlib import Path
from reconciler.intent import ParseCache, load_desired
from reconciler.source import GitSource
desired = load_desired(GitSource(sys.argv[1]).snapshot(), ParseCache(Path(sys.argv[2])))
print(json.dumps({"code": len(desired.bindings), "modules": sorted(sys.modules)}))
"""


def heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in names))


def imported_by(*argv: str, probe: str = PROBE) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True,
                          cwd=ROOT, timeout=60)
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    return int(reply["code"]), set(reply["modules"])


def test_validate_imports_no_heavy_module() -> None:
    code, modules = imported_by("validate", str(ROOT / "example-repo"))
    assert code == 0
    loaded = heavy(modules, HEAVY)
    assert loaded == [], f"validate imported {loaded}"


def test_validate_of_cached_files_imports_no_parser(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    code, cold = imported_by("validate", "--cache-dir", cache, str(ROOT / "example-repo"))
    assert code == 0 and {"ruamel.yaml", "yaml", "jsonschema"} <= cold  # the probe sees a parse
    code, warm = imported_by("validate", "--cache-dir", cache, str(ROOT / "example-repo"))
    assert code == 0
    assert heavy(warm, (*HEAVY, *PARSERS, "git")) == []


def test_plan_reads_a_repository_it_parsed_before_without_the_parsers(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "example-repo", repo)
    for argv in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@example.com", "-c", "user.name=t",
                                                  "commit", "-qm", "bindings"]):
        subprocess.run(["git", *argv], cwd=repo, check=True, capture_output=True)
    cache = str(tmp_path / "parsed")
    bindings, cold = imported_by(str(repo), cache, probe=SOURCE_AND_INTENT)
    assert bindings > 0 and "ruamel.yaml" in cold
    assert imported_by(str(repo), cache, probe=SOURCE_AND_INTENT)[0] == bindings
    assert heavy(imported_by(str(repo), cache, probe=SOURCE_AND_INTENT)[1], (*PARSERS, "git")) == []


def test_the_probe_sees_imports(tmp_path: Path) -> None:
    """The same probe does see the client once a command needs it (the guard above can fail): a
    kubeconfig with username and password goes through the kubernetes client's loader."""
    kubeconfig = tmp_path / "basic-auth"
    kubeconfig.write_text(json.dumps({
        "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"username": "admin", "password": "secret"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}], "current-context": "c"}))
    code, modules = imported_by("status", "--kubeconfig", str(kubeconfig))
    assert code != 0 and "kubernetes" in modules


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A simulated cluster in this process, served over HTTP; the commands run in child processes."""
    with Simulator(SimConfig(clock="virtual", masters=1, workers=1)).start() as sim:
        yield sim.write_kubeconfig(tmp_path_factory.mktemp("sim") / "kubeconfig")


def committed(repo: Path) -> Path:
    """example-repo/ with a policy without maintenance windows, committed."""
    shutil.copytree(ROOT / "example-repo", repo)
    (repo / "layering.yaml").write_text("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\n"
                                        "metadata:\n  name: default\nspec:\n  bakeTime: 10m\n")
    for argv in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@example.com", "-c", "user.name=t",
                                                  "commit", "-qm", "bindings"]):
        subprocess.run(["git", *argv], cwd=repo, check=True, capture_output=True)
    return repo


def test_plan_imports_only_what_plan_uses(kubeconfig: Path, tmp_path: Path) -> None:
    argv = ("plan", "--repo", str(committed(tmp_path / "repo")), "--kubeconfig", str(kubeconfig),
            "--cache-dir", str(tmp_path / "cache"))
    code, cold = imported_by(*argv)
    assert code == 2 and heavy(cold, ("mcosim",)) == []  # changes pending: the plan ran to its end
    code, warm = imported_by(*argv)  # the parse cache filled
    assert code == 2
    loaded = heavy(warm, PLAN_NEVER)
    assert loaded == [], f"plan imported {loaded}"
    assert {"reconciler.report", "reconciler.rollout", "reconciler.cluster.adapter"} <= warm


def test_the_probe_sees_the_simulator_command_line(kubeconfig: Path) -> None:
    """`reconciler sim …` does build mcosim's commands (the guard above can fail)."""
    code, modules = imported_by("sim", "images", "--kubeconfig", str(kubeconfig))
    assert code == 0 and "mcosim.cli" in modules
