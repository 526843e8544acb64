"""The `/sim/...` admin endpoints (JSON) that `reconciler sim …` commands and tests call over HTTP.

GET  /sim/info                              release, clock mode, sim time
POST /sim/upgrade          {"release": "4.16.9"}
GET  /sim/rpm-ostree-status?node=NAME       {"node": …, "status": "<rpm-ostree status text>"}
GET  /sim/images                            the registry's content
POST /sim/images           {"ref": "repo@sha256:…" | "repo:tag"}
POST /sim/tags             {"repository": …, "tag": …, "digest": "sha256:…"}
POST /sim/node-faults      {"fault": "image"|"drain"|"reboot", "target": REF|NODE|null, "enabled": true}
POST /sim/advance          {"seconds": N}   (virtual clock only)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ApiError

if TYPE_CHECKING:
    from .sim import Simulator

Reply = tuple[int, Any]


class AdminHandler:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.routes: dict[tuple[str, str], Callable[[dict[str, str], Any], Reply]] = {
            ("GET", "/sim/info"): self.info,
            ("POST", "/sim/upgrade"): self.upgrade,
            ("GET", "/sim/rpm-ostree-status"): self.rpm_ostree_status,
            ("GET", "/sim/images"): self.images,
            ("POST", "/sim/images"): self.add_image,
            ("POST", "/sim/tags"): self.move_tag,
            ("POST", "/sim/node-faults"): self.node_fault,
            ("POST", "/sim/advance"): self.advance,
        }

    def __call__(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        route = self.routes.get((method.upper(), path.rstrip("/")))
        if route is None:
            return 404, {"message": f"no such admin endpoint: {method} {path}"}
        try:
            return route(query, body if isinstance(body, dict) else {})
        except (KeyError, ValueError, RuntimeError) as err:
            return 400, {"message": str(err).strip("'\"")}
        except ApiError as err:
            return err.code, {"message": err.message}

    def info(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        cfg = self.sim.config
        from .mco.render import BaseImages

        with self.sim.store.lock:
            base = BaseImages.from_store(self.sim.store)
        return 200, {
            "release": base.release,
            "baseOSContainerImage": base.os_image,
            "clock": cfg.clock,
            "speed": cfg.speed,
            "fastForward": cfg.fast_forward,
            "now": self.sim.clock.now(),
        }

    def upgrade(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        release = str(body.get("release") or query.get("release") or "")
        self.sim.upgrade(release)
        return 200, {"release": release}

    def rpm_ostree_status(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        node = self.sim.resolve_node(query.get("node", ""))
        return 200, {"node": node, "status": self.sim.rpm_ostree_status(node)}

    def images(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        return 200, {"images": self.sim.registry.describe()}

    def add_image(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        return 201, {"ref": self.sim.add_image(str(body["ref"]))}

    def move_tag(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        self.sim.move_tag(str(body["repository"]), str(body["tag"]), str(body["digest"]))
        return 200, {"moved": f"{body['repository']}:{body['tag']}", "digest": body["digest"]}

    def node_fault(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        fault, target, enabled = body.get("fault"), body.get("target"), bool(body.get("enabled", True))
        if fault == "image":
            self.sim.fail_image(target, enabled)
        elif fault == "drain":
            self.sim.block_drain(str(target), enabled)
        elif fault == "reboot":
            self.sim.fail_reboot(str(target), enabled)
        else:
            raise ValueError(f"unknown fault {fault!r}: use image, drain or reboot")
        return 200, {"fault": fault, "target": target, "enabled": enabled}

    def advance(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        self.sim.advance(float(body.get("seconds", 0)))
        return 200, {"now": self.sim.clock.now()}
