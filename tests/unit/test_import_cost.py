"""`reconciler validate` imports only what parsing a repository needs: not the kubernetes client,
the scheduler (intent reads cron triggers only), the terminal UI, the diff library or the simulator
(each costs a tenth of a second or more to import; together most of a second of every CLI call)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("kubernetes", "urllib3", "apscheduler.schedulers", "rich", "deepdiff", "mcosim.sim",
         "reconciler.cluster.adapter", "reconciler.report", "reconciler.rollout")
PROBE = """
import json, sys
from reconciler.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True,
                          cwd=ROOT, timeout=60)
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    return int(reply["code"]), set(reply["modules"])


def test_validate_imports_no_heavy_module() -> None:
    code, modules = imported_by("validate", str(ROOT / "example-repo"))
    assert code == 0
    loaded = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert loaded == [], f"validate imported {loaded}"


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
