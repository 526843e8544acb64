"""`reconciler sim …` (also `python -m mcosim …`): run the simulated cluster and drive it.

    sim up [--port P] [--tls-port P] [--kubeconfig-out PATH] [--speed X] [--pool NAME=COUNT]… [--workers N]
           [--masters N] [--image REF]… [--release V] [--feature-set TechPreviewNoUpgrade]
           [--fail-image REF]… [--block-drain NODE]… [--fail-reboot NODE]… [--virtual [--fast-forward]]
    sim upgrade --kubeconfig K --to 4.16.9
    sim rpm-ostree-status NODE --kubeconfig K
    sim fault {image,drain,reboot} TARGET [--clear] --kubeconfig K
    sim images --kubeconfig K

NODE may be a node name or POOL:INDEX (e.g. worker:0, the pool's first node by name).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .releases import DEFAULT_RELEASE, ReleaseError, ReleaseShape

DEFAULT_KUBECONFIG = "./sim.kubeconfig"


def add_subcommands(subparsers: Any) -> None:
    up = subparsers.add_parser(
        "up",
        help="run a simulated cluster in the foreground until Ctrl-C",
        description="Serve a simulated OpenShift cluster on 127.0.0.1.",
    )
    up.add_argument("--port", type=int, default=0, help="API port (default: a free one)")
    up.add_argument("--tls-port", type=int, default=0, metavar="PORT",
                    help="HTTPS port, for service-account tokens (default: a free one; context mcosim-tls)")
    up.add_argument("--kubeconfig-out", default=DEFAULT_KUBECONFIG, metavar="PATH")
    up.add_argument("--speed", type=float, default=1.0, metavar="X", help="run X times faster than real time")
    up.add_argument(
        "--pool",
        action="append",
        default=[],
        metavar="NAME=COUNT",
        help="a custom pool inheriting worker with COUNT nodes (repeatable)",
    )
    up.add_argument("--workers", type=int, default=3)
    up.add_argument("--masters", type=int, default=3)
    up.add_argument(
        "--image", action="append", default=[], metavar="REF", help="add an image to the registry"
    )
    up.add_argument(
        "--release",
        default=DEFAULT_RELEASE,
        metavar="V",
        help=f"OpenShift release to shape the API and texts after, 4.14.0-4.19.x (default {DEFAULT_RELEASE}: "
        "no MachineConfigNodes before 4.19)",
    )
    up.add_argument(
        "--feature-set",
        default="",
        choices=("", "TechPreviewNoUpgrade"),
        metavar="SET",
        help="TechPreviewNoUpgrade: also serve v1alpha1 MachineConfigNodes on 4.15-4.18",
    )
    up.add_argument("--max-unavailable", action="append", default=[], metavar="POOL=N|N%")
    up.add_argument("--seed", type=int, default=0)
    up.add_argument(
        "--fail-image",
        action="append",
        default=[],
        metavar="REF",
        help="pulls of this image (ref or digest; '*' = all) fail",
    )
    up.add_argument(
        "--block-drain", action="append", default=[], metavar="NODE", help="a PDB blocks this node's drain"
    )
    up.add_argument(
        "--fail-reboot",
        action="append",
        default=[],
        metavar="NODE",
        help="this node never comes back from its next reboot",
    )
    up.add_argument("--virtual", action="store_true", help="virtual clock (time moves via /sim/advance)")
    up.add_argument(
        "--fast-forward", action="store_true", help="with --virtual: jump to the next timer when idle"
    )

    upgrade = subparsers.add_parser("upgrade", help="upgrade the simulated cluster to another release")
    upgrade.add_argument("--to", required=True, metavar="RELEASE")
    _kubeconfig_option(upgrade)

    status = subparsers.add_parser("rpm-ostree-status", help="what a node booted, as rpm-ostree prints it")
    status.add_argument("node")
    _kubeconfig_option(status)

    fault = subparsers.add_parser("fault", help="inject or clear a node fault")
    fault.add_argument("fault", choices=("image", "drain", "reboot"))
    fault.add_argument("target", help="image ref/digest ('*' = all images) or node name")
    fault.add_argument("--clear", action="store_true")
    _kubeconfig_option(fault)

    images = subparsers.add_parser("images", help="list the simulated registry")
    _kubeconfig_option(images)


def _kubeconfig_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kubeconfig", default=os.environ.get("KUBECONFIG", DEFAULT_KUBECONFIG), metavar="PATH"
    )


def run_subcommand(args: argparse.Namespace) -> int:
    command = args.sim_command
    try:
        if command == "up":
            return up(args)
        if command == "upgrade":
            _admin(args.kubeconfig, "POST", "/sim/upgrade", {"release": args.to})
            print(f"upgrading to {args.to}")
        elif command == "rpm-ostree-status":
            answer = _admin(args.kubeconfig, "GET", f"/sim/rpm-ostree-status?node={args.node}")
            sys.stdout.write(answer["status"])
        elif command == "fault":
            target = None if args.target == "*" else args.target
            _admin(
                args.kubeconfig,
                "POST",
                "/sim/node-faults",
                {"fault": args.fault, "target": target, "enabled": not args.clear},
            )
            print(f"{args.fault} fault {'cleared' if args.clear else 'set'} for {args.target}")
        elif command == "images":
            for image in _admin(args.kubeconfig, "GET", "/sim/images")["images"]:
                tags = ",".join(image["tags"]) or "-"
                print(f"{image['ref']}  tags={tags}  from={image['base'] or '-'}")
    except AdminError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _parse_pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, count = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"error: {what} must look like NAME=VALUE, got {value!r}")
        out[name] = count
    return out


def _count(value: str, flag: str) -> int:
    if not value.isdigit():
        raise SystemExit(f"reconciler sim up: error: {flag}: {value!r} is not a whole number")
    return int(value)


def up(args: argparse.Namespace) -> int:
    from .sim import SimConfig, Simulator

    pools = {k: _count(v, "--pool") for k, v in _parse_pairs(args.pool, "--pool").items()}
    max_unavailable: dict[str, int | str] = {
        k: (v if v.endswith("%") else _count(v, "--max-unavailable"))
        for k, v in _parse_pairs(args.max_unavailable, "--max-unavailable").items()
    }
    try:
        ReleaseShape(args.release)
    except ReleaseError as err:
        raise SystemExit(f"reconciler sim up: error: --release: {err}") from err
    config = SimConfig(
        masters=args.masters,
        workers=args.workers,
        pools=pools,
        release=args.release,
        feature_set=args.feature_set,
        speed=args.speed,
        clock="virtual" if args.virtual else "real",
        fast_forward=args.fast_forward,
        extra_images=args.image,
        max_unavailable=max_unavailable,
        seed=args.seed,
        port=args.port,
        tls_port=args.tls_port if shutil.which("openssl") else None,  # HTTPS needs openssl for its cert
        failing_images=args.fail_image,
        blocked_drains=args.block_drain,
        failing_reboots=args.fail_reboot,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Simulator(config) as sim:
        kubeconfig = sim.write_kubeconfig(args.kubeconfig_out)
        _wait_answering(sim.url)
        tls = (f"HTTPS {sim.api.https_url}, context mcosim-tls" if sim.api.https_url
               else "no HTTPS: install openssl for service-account tokens")
        print(f"mcosim API at {sim.url} ({tls}), kubeconfig {kubeconfig}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


def _wait_answering(url: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url + "/version", timeout=1):
                return
        except OSError:
            threading.Event().wait(0.05)


class AdminError(Exception):
    pass


def server_of(kubeconfig: str) -> str:
    text = Path(kubeconfig).read_text()
    try:
        config = json.loads(text)
        context = next(c for c in config["contexts"] if c["name"] == config["current-context"])["context"]
        return str(
            next(c for c in config["clusters"] if c["name"] == context["cluster"])["cluster"]["server"]
        )
    except (ValueError, KeyError, StopIteration):
        for line in text.splitlines():
            if line.strip().startswith("server:"):
                return line.split(":", 1)[1].strip().strip("'\"")
    raise AdminError(f"{kubeconfig}: no cluster server found")


def _admin(kubeconfig: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    try:
        url = server_of(kubeconfig) + path
    except OSError as err:
        raise AdminError(f"{kubeconfig}: {err.strerror}") from err
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as err:
        message = json.loads(err.read() or b"{}").get("message", err.reason)
        raise AdminError(f"{method} {path}: {message}") from err
    except urllib.error.URLError as err:
        raise AdminError(f"cannot reach the simulator at {url}: {err.reason}") from err


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mcosim", description="A simulated OpenShift cluster.")
    add_subcommands(parser.add_subparsers(dest="sim_command", required=True, metavar="COMMAND"))
    return run_subcommand(parser.parse_args(argv))
