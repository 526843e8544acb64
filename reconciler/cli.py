"""The composition root: parse arguments, build the adapters, run one command.

Exit codes: 0 success / in sync, 1 error or invalid input, 2 (`plan`) changes pending.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reconciler import __version__, logs, settings
from reconciler.errors import EXIT_ERROR, EXIT_OK, InvalidInput, ReconcilerError
from reconciler.intent import ParseCache, duration_problem, duration_syntax_problem, excerpt, parse_duration
from reconciler.records import record
from reconciler.source.layout import parse_cache_dir

if TYPE_CHECKING:  # imported where used: `validate` needs neither git nor the cluster client
    from reconciler.cluster import Cluster
    from reconciler.controller import commands
    from reconciler.controller.leader import LeaderElector
    from reconciler.controller.webhook import WebhookServer
    from reconciler.images import RegistryInspector
    from reconciler.source import GitSource

CLUSTER_HELP = (
    "CLUSTER: --kubeconfig PATH [--context NAME] (default: $KUBECONFIG, ~/.kube/config, or in-cluster) "
    "or --sim (an embedded simulated cluster in this process)."
)
CACHE_HELP = ("where clones are kept, and in its parsed/ what was parsed, by git blob id and by repository "
              "content (default ~/.cache/layering-reconciler/repos and …/parsed)")
SRC_HELP = "a git URL (https://, ssh://, git@host:, file://) or the path of a local git repository"


def _add_cluster_options(parser: argparse.ArgumentParser, image_checks: bool = True) -> None:
    group = parser.add_argument_group("cluster", CLUSTER_HELP)
    group.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file to use")
    group.add_argument("--context", metavar="NAME", help="kubeconfig context to use")
    group.add_argument("--namespace", metavar="NS", help="where the reconciler keeps its own objects (default: "
                       "the pod's namespace in a cluster, else layering-reconciler)")
    group.add_argument("--sim", action="store_true", help="start an embedded simulated cluster")
    group.add_argument("--sim-speed", type=float, default=60.0, metavar="X",
                       help="with --sim: simulated time runs X times faster (default 60)")
    if not image_checks:
        return
    images = parser.add_argument_group(
        "image checks", "Ask the registry whether each image's digest exists and what base image it was "
        "built FROM (OCI annotations), to refuse unknown digests and warn about stale images. "
        "On by default with --sim (the simulator serves its registry).")
    images.add_argument("--inspect-images", action="store_true", help="ask each image's own registry")
    images.add_argument("--registry-mirror", metavar="URL",
                        help="ask this OCI registry mirror instead (serves every host as /v2/<host>/<path>)")


def _add_trust_options(parser: argparse.ArgumentParser, registry: bool = True) -> None:
    """Commit verification and registry access: one place for the flags of both."""
    from reconciler.source import VerifyMode

    trust = parser.add_argument_group(
        "commit verification", "Refuse a commit (or the tag naming it) that is unsigned, signed by a key "
        "outside --trusted-keys, or badly signed, before anything is planned; git itself verifies.")
    trust.add_argument("--verify", choices=[m.value for m in VerifyMode], default="none",
                       help="none (default); head: the commit must be signed; tag: --ref must be a signed "
                       "annotated tag; tag-and-head: both")
    trust.add_argument("--trusted-keys", metavar="DIR", type=Path,
                       help="trusted keys: OpenPGP public keys (*.asc), SSH public keys (*.pub) and "
                       "ssh-keygen allowed_signers files")
    if not registry:
        return
    access = parser.add_argument_group(
        "registry access", "Credentials and trust for the image checks (secrets never appear in output).")
    access.add_argument("--registry-auth-file", metavar="PATH", type=Path,
                        help="containers auth.json or .dockerconfigjson (the pull secret's format)")
    access.add_argument("--registry-ca-file", metavar="PATH", type=Path,
                        help="PEM CA bundle to trust for registries (in addition to the system's)")
    access.add_argument("--use-cluster-pull-secret", action="store_true",
                        help="also use the cluster's openshift-config/pull-secret (needs get on that Secret)")
    access.add_argument("--use-cluster-mirrors", action="store_true",
                        help="ask the cluster's ImageDigestMirrorSet/ImageContentSourcePolicy mirrors when "
                        "an image's registry is unreachable (needs list on those kinds)")
    access.add_argument("--allow-stale-base", action="store_true",
                        help="let an image built FROM an older base image than the cluster's roll out "
                        "(a warning instead of a blocking problem)")


def _add_source_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--repo", required=required, metavar="SRC", help=SRC_HELP)
    parser.add_argument("--ref", metavar="REF", help="branch, tag or commit (default: the remote's HEAD)")
    parser.add_argument("--token-file", metavar="PATH", type=Path,
                        help="file holding an HTTPS token for the repository (or set $GIT_TOKEN); "
                        "user:token@ in an https:// URL is used the same way, never on git's command line")
    parser.add_argument("--ssh-key-file", metavar="PATH", type=Path,
                        help="private key for ssh:// and git@host: URLs (no agent, no ~/.ssh keys)")
    parser.add_argument("--known-hosts-file", metavar="PATH", type=Path,
                        help="known_hosts for ssh URLs; host keys are checked strictly (unknown or changed: refused)")
    parser.add_argument("--cache-dir", metavar="DIR", type=Path, help=CACHE_HELP)


def _duration(text: str, positive: bool = False) -> int:
    """Seconds of a duration flag: 90, 90s, 10m, 1h30m, 1.5h, 1d (see intent.fields)."""
    syntax = duration_syntax_problem(text)
    if syntax:  # the message quotes the value
        raise argparse.ArgumentTypeError(syntax)
    problem = duration_problem(text, positive=positive)
    if problem:  # the range: say which value
        raise argparse.ArgumentTypeError(f"{excerpt(text, quotes=False)}: {problem}")
    return parse_duration(text)


def _positive_duration(text: str) -> int:
    return _duration(text, positive=True)


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 1 (invalid input), not argparse's 2, which `plan` means as "changes pending"."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Every command's name, help and description; a command's options are added when it is chosen
    (`settings.Commands`): `plan` builds neither the other commands' options nor `sim`'s (mcosim)."""
    parser = _Parser(
        prog="reconciler",
        description="GitOps for RHCOS image layering: a git repository of pool→image bindings, "
        "reconciled into MachineConfigs and followed through every node's reboot.",
        epilog="Exit codes: 0 success or in sync, 1 error or invalid input, 2 (plan) changes pending.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    settings.add_global_options(parser)
    commands = settings.add_commands(parser, dest="command", required=True, metavar="COMMAND")
    commands.add_parser("validate", _validate_options, help="offline checks of a bindings checkout",
                        description="Check a bindings checkout offline, uncommitted edits "
                        "included (for pre-commit hooks and CI): every problem at once as "
                        "path:line:col: message, else what was found (N bindings in M files, "
                        "the policy's origin). Exit 1 on any problem, or when PATH holds no "
                        "bindings repository (neither layering.yaml nor bindings/).")
    commands.add_parser("plan", _plan_options, help="show what a sync would change",
                        description="Show what a sync would change. Exit 0 in sync, 2 changes "
                        "pending, 1 error or blocking problem. A local --repo is read at its "
                        "last commit (a warning names it when bindings files have uncommitted "
                        "edits).")
    commands.add_parser("sync", _sync_options, help="apply the repository to the cluster",
                        description="Apply the repository: one pass of the rollout (write what "
                        "the stages, windows and gates allow). With --wait, follow the rollout "
                        "until it is done, halted or timed out.")
    commands.add_parser("run", _run_options, help="reconcile continuously",
                        description="Reconcile continuously: each tick is one full pass "
                        "(fetch → validate → plan → apply). Failed passes are retried with backoff "
                        "and never delete anything. SIGTERM stops cleanly between writes. The cluster is "
                        "listed once, then watched: a change that matters (our MachineConfig edited, a "
                        "pool Updated or Degraded) starts the next pass at once.")
    commands.add_parser("status", _status_options, help="pools, bindings and nodes as the cluster shows them",
                        description="Show per pool its binding, image, our MachineConfig, "
                        "target and current rendered config, machine counts and conditions, and "
                        "per node its config, state and reason. With --repo, also each pool's "
                        "rollout phase and the rollout order with why each pool waits. "
                        "Read-only: nothing is written.")
    commands.add_parser("sim", _sim_commands, help="the simulated OpenShift cluster",
                        description="Run and drive the simulated OpenShift cluster (mcosim).")
    commands.add_parser("demo", help="a narrated roll-out and roll-back on an embedded simulated cluster",
                        description="Start an embedded simulated cluster, copy example-repo/ into a "
                        "fresh git repository, sync it, then commit a revert and roll back.")
    return parser


def _validate_options(validate: argparse.ArgumentParser) -> None:
    validate.add_argument("path", nargs="?", default=".", type=Path,
                          help="the repository directory, holding layering.yaml and/or bindings/ (default: .)")
    validate.add_argument("--cache-dir", metavar="DIR", type=Path, help=CACHE_HELP)


def _plan_options(plan: argparse.ArgumentParser) -> None:
    _add_source_options(plan)
    _add_cluster_options(plan)
    _add_trust_options(plan)
    plan.add_argument("-o", "--output", choices=("table", "json", "markdown"), default="table")
    plan.add_argument("--base", metavar="REF", help="review --ref as a pull request against this target branch: "
                      "also show the bindings it changes and the nodes that will reboot (markdown: one "
                      "sticky PR comment)")


def _sync_options(sync: argparse.ArgumentParser) -> None:
    _add_source_options(sync)
    _add_cluster_options(sync)
    _add_trust_options(sync)
    sync.add_argument("--wait", action="store_true", help="follow every pool until done (through watches)")
    sync.add_argument("--timeout", default="2h", type=_duration, metavar="DUR",
                      help="with --wait: give up after this long, e.g. 90s, 30m, 1h30m, 1d (default 2h)")


def _run_options(run: argparse.ArgumentParser) -> None:
    _add_source_options(run)
    _add_cluster_options(run)
    _add_trust_options(run)
    run.add_argument("--interval", default="1m", type=_positive_duration, metavar="DUR",
                     help="time between passes, e.g. 30s, 5m, 1h (default 1m)")
    run.add_argument("--metrics-port", type=int, metavar="PORT",
                     help="serve /metrics (Prometheus), /healthz and /readyz on this port")
    run.add_argument("--metrics-address", default="0.0.0.0", metavar="ADDR",
                     help="the address that port listens on (default 0.0.0.0)")
    _add_replica_options(run)


def _status_options(status: argparse.ArgumentParser) -> None:
    _add_source_options(status, required=False)
    _add_cluster_options(status, image_checks=False)
    _add_trust_options(status, registry=False)
    status.add_argument("-o", "--output", choices=("table", "json"), default="table")


def _sim_commands(sim: argparse.ArgumentParser) -> None:
    from mcosim.cli import add_subcommands

    add_subcommands(sim.add_subparsers(dest="sim_command", required=True, metavar="SIM_COMMAND"))


def _add_replica_options(parser: argparse.ArgumentParser) -> None:
    """`run`'s leader election and webhook receivers (several replicas, instant sync)."""
    election = parser.add_argument_group(
        "leader election", "Run several replicas: they elect a leader on the Lease layering-reconciler in "
        "the namespace layering-reconciler (client-go's semantics); only the leader runs passes and writes, "
        "confirming its lease before every write. Standbys stay ready and take over when the leader's lease "
        "expires or it releases it (on SIGTERM).")
    election.add_argument("--leader-elect", nargs="?", const=True, default=False, type=_boolean, metavar="BOOL",
                          help="take part in leader election (`--leader-elect`, or `--leader-elect true|false`)")
    import socket  # (only `run` has this option)

    election.add_argument("--identity", default=socket.gethostname(), metavar="NAME",
                          help="this replica's name in the Lease (default: the host name; deploy/ passes the pod name)")
    election.add_argument("--lease-duration", default="15s", type=_positive_duration, metavar="DUR",
                          help="how long standbys wait after the last renewal before taking the Lease (default 15s)")
    election.add_argument("--renew-deadline", default="10s", type=_positive_duration, metavar="DUR",
                          help="the leader stops writing when it could not renew for this long (default 10s)")
    election.add_argument("--retry-period", default="2s", type=_positive_duration, metavar="DUR",
                          help="time between tries to acquire or renew the Lease (default 2s)")
    hooks = parser.add_argument_group(
        "webhooks", "POST /hook/github (X-Hub-Signature-256), /hook/gitlab (X-Gitlab-Token) or /hook/generic "
        "(X-Signature: sha256=<HMAC-SHA256 of the body>) to run a pass now. Any replica may receive them: a "
        "standby records the request on the Lease and the leader runs the pass. Bad signatures get 401.")
    hooks.add_argument("--webhook-port", type=int, metavar="PORT", help="serve the webhook receivers on this port")
    hooks.add_argument("--webhook-address", default="0.0.0.0", metavar="ADDR",
                       help="address to listen on (default 0.0.0.0)")
    hooks.add_argument("--webhook-secret-file", type=Path, metavar="PATH",
                       help="file holding the shared secret of the hooks (required with --webhook-port)")


def _boolean(text: str) -> bool:
    try:
        return settings.switch(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text}: {exc}") from None


def _replica(args: argparse.Namespace, cluster: Cluster, reconciler: commands.Reconciler) \
        -> tuple[LeaderElector | None, WebhookServer | None]:
    """The leader elector (its cluster wraps the reconciler's) and the webhook server `run` asked for."""
    from reconciler.controller.leader import LeaderCluster, LeaderConfig, LeaderElector
    from reconciler.controller.webhook import WebhookServer

    leader = None
    if args.leader_elect:
        config = LeaderConfig(args.identity, args.lease_duration, args.renew_deadline, args.retry_period)
        if config.problems():
            raise InvalidInput(config.problems())
        cluster.identify(args.identity)
        leader = LeaderElector(cluster.lease(), config)
        reconciler.cluster = LeaderCluster(reconciler.cluster, leader)
    webhook = None
    if args.webhook_port is not None:
        if args.webhook_secret_file is None:
            raise InvalidInput("--webhook-port: needs --webhook-secret-file (unsigned hooks are refused)")
        secret = _secret(args.webhook_secret_file)
        webhook = WebhookServer(secret, args.ref, lambda: None, args.webhook_address, args.webhook_port)
    return leader, webhook


def _secret(path: Path) -> bytes:
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the webhook secret file: {exc.strerror}") from None
    if not secret:
        raise InvalidInput(f"{path}: the webhook secret file is empty")
    return secret


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. The cyclic garbage collector runs only for a command that runs for long
    (_ends_by_itself); the caller's setting is restored on return."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        (gc.enable if collecting else gc.disable)()


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = settings.parse(parser, argv)  # the command line over LAYERING_* variables
    if not _ends_by_itself(args):
        gc.enable()
    logs.configure(args.verbose, args.log_format)
    for name in settings.unknown_variables(parser):
        logging.getLogger("reconciler").warning("%s: no option of any command reads this variable", name)
    try:
        return dispatch(args)
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_ERROR
    except ReconcilerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`… | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _ends_by_itself(args: argparse.Namespace) -> bool:
    """validate, plan, status and sync without --wait read, decide, maybe write and exit. Such a command
    allocates some 10^5 acyclic objects (the cluster's JSON, the model) that the cyclic garbage collector
    would only scan again and again (a tenth of a 500-pool plan): it runs without it. `run`,
    `sync --wait`, `sim` and `demo` keep it."""
    return args.command in ("validate", "plan", "status") or (args.command == "sync" and not args.wait)


def dispatch(args: argparse.Namespace) -> int:
    from reconciler.controller import commands

    if args.command == "validate":
        return commands.validate(args.path, _parse_cache(args))
    if args.command == "sim":
        from mcosim.cli import run_subcommand

        return run_subcommand(args)
    if args.command == "demo":
        return _demo()
    with _cluster(args) as target:
        if args.command == "status":
            source = _source(args) if args.repo else None
            return commands.status(target.cluster, source, args.ref, args.output, target.clock,
                                   _parse_cache(args))
        images = _inspector(args, target) if target.registry_mirror or args.inspect_images else None
        reconciler = commands.Reconciler(_source(args), target.cluster, args.ref, target.clock, images,
                                         allow_stale_base=args.allow_stale_base,
                                         parse_cache=_parse_cache(args))
        if args.command == "plan" and args.base:
            from reconciler.controller.review import review
            from reconciler.source import GitSource

            base = GitSource(args.repo, cache_dir=args.cache_dir, token=_token(args.token_file))
            reconciler.every_node = True  # the review names the nodes that will reboot
            return review(reconciler, base, args.base, args.output, commands.output_width())
        if args.command == "plan":
            return commands.plan(reconciler, args.output)
        if args.command == "sync":
            return commands.sync(reconciler, wait=args.wait, timeout=args.timeout, sleep=target.sleep)
        if args.command == "run":
            from reconciler.controller.loop import run_forever

            leader, webhook = _replica(args, target.cluster, reconciler)
            return run_forever(reconciler, interval=args.interval, metrics_port=args.metrics_port,
                               metrics_address=args.metrics_address, leader=leader, webhook=webhook)
    raise AssertionError(args.command)


def _parse_cache(args: argparse.Namespace) -> ParseCache:
    return ParseCache(parse_cache_dir(args.cache_dir))


def _source(args: argparse.Namespace) -> GitSource:
    """The SSH files are read for ssh URLs only and the token for the others, so a Deployment may name
    every file of its git Secret while the Secret holds only the ones its URL needs."""
    from reconciler.source import GitSource, SshOptions, Verifier, is_ssh_url

    verifier = Verifier(args.verify, args.trusted_keys)
    if verifier.mode.checks_tag and not args.ref:
        raise InvalidInput(f"--verify {verifier.mode}: pass --ref naming the signed tag to deploy")
    if is_ssh_url(args.repo):
        ssh = SshOptions(args.ssh_key_file, args.known_hosts_file).checked()
        return GitSource(args.repo, cache_dir=args.cache_dir, token=None, verifier=verifier, ssh=ssh)
    return GitSource(args.repo, cache_dir=args.cache_dir, token=_token(args.token_file), verifier=verifier)


def _inspector(args: argparse.Namespace, target: Target) -> RegistryInspector:
    """The registry client of the image checks: credentials from the file and (opt-in) the cluster."""
    from reconciler.images import AuthFile, RegistryInspector

    auth = AuthFile.load(args.registry_auth_file) if args.registry_auth_file else AuthFile()
    if args.use_cluster_pull_secret:
        secret = target.cluster.read_pull_secret()
        if secret is not None:
            auth = auth.merged(AuthFile.parse(secret, "Secret/openshift-config/pull-secret"))
    if args.registry_ca_file is not None and not args.registry_ca_file.is_file():
        raise InvalidInput(f"{args.registry_ca_file}: no such CA file (--registry-ca-file)")
    mirrors = target.cluster.read_image_mirrors() if args.use_cluster_mirrors else ()
    return RegistryInspector(target.registry_mirror, auth=auth, ca_file=args.registry_ca_file, mirrors=mirrors)


def _token(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the token file: {exc.strerror}") from None


@record
class Target:
    """The cluster to talk to, with the clock and sleep that match it."""

    cluster: Cluster
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    registry_mirror: str | None = None


@contextlib.contextmanager
def _cluster(args: argparse.Namespace) -> Iterator[Target]:
    from reconciler.cluster import Cluster  # imported by the commands that reach a cluster

    if not args.sim:
        with Cluster.connect(args.kubeconfig, args.context, namespace=args.namespace) as cluster:
            yield Target(cluster, registry_mirror=getattr(args, "registry_mirror", None))
        return
    import tempfile

    from mcosim import SimConfig, Simulator

    with tempfile.TemporaryDirectory(prefix="reconciler-sim-") as tmp, \
            Simulator(SimConfig(speed=args.sim_speed)).start() as sim:
        kubeconfig = sim.write_kubeconfig(Path(tmp) / "kubeconfig")
        logging.getLogger("reconciler").info("embedded simulated cluster at %s", sim.url)
        with Cluster.connect(str(kubeconfig), namespace=args.namespace) as cluster:
            yield Target(cluster, sim.clock.now, _scaled_sleep(args.sim_speed),
                         registry_mirror=getattr(args, "registry_mirror", None) or sim.url)


def _scaled_sleep(speed: float) -> Callable[[float], None]:
    return lambda seconds: time.sleep(seconds / speed)


def _demo() -> int:
    import tempfile

    from mcosim import SimConfig, Simulator
    from reconciler.cluster import Cluster
    from reconciler.controller.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="reconciler-demo-") as tmp, \
            Simulator(SimConfig(speed=DEMO_SPEED)).start() as sim:
        kubeconfig = sim.write_kubeconfig(Path(tmp) / "kubeconfig")
        with Cluster.connect(str(kubeconfig)) as cluster:
            return run_demo(Path(tmp), cluster, clock=sim.clock.now, sleep=_scaled_sleep(DEMO_SPEED),
                            describe_node=sim.rpm_ostree_status, kubeconfig=kubeconfig)


DEMO_SPEED = 60.0
