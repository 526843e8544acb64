"""A test controller around `decide`: read → plan → decide → save memory → write, one pass per minute.

It persists the memory as JSON before executing the writes, exactly as the real controller must, and can
be killed at a chosen point of a pass: before the memory is saved, or after it and before any write.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rollout_cluster import STEP, SimCluster, apply_write, live, tick

from reconciler.model import DesiredState, LiveState, Plan
from reconciler.plan import make_plan
from reconciler.rollout import Decision, Memory, PoolProgress, WindowStatus, decide

START = 1_700_000_000.0
DesiredFn = Callable[[SimCluster], DesiredState]
WindowsFn = Callable[[float], Mapping[str, WindowStatus]]


def progress(decision: Decision, pool: str) -> PoolProgress:
    found = decision.pool(pool)
    assert found is not None, f"{pool} is not tracked: {decision.summary}"
    return found


def no_windows(now: float) -> Mapping[str, WindowStatus]:
    return {}


@dataclass
class Controller:
    cluster: SimCluster
    want: DesiredFn
    windows: WindowsFn = no_windows
    now: float = START
    memory: dict[str, Any] = field(default_factory=dict)  # what is persisted in the cluster
    decisions: list[Decision] = field(default_factory=list)
    crashes: int = 0
    settled_since: dict[str, float] = field(default_factory=dict)  # model truth: pool at rest since
    write_times: list[tuple[str, float, dict[str, float]]] = field(default_factory=list)

    def decide_inputs(self) -> tuple[LiveState, Plan]:
        current = live(self.cluster, self.now)
        return current, make_plan(self.want(self.cluster), current)

    def decide(self) -> Decision:
        current, plan = self.decide_inputs()
        desired = self.want(self.cluster)
        return decide(plan, desired, current, Memory.from_dict(self.memory), self.windows(self.now), self.now)

    def run_pass(self, crash_at: int | None = None) -> Decision:
        """crash_at 0: killed before saving memory; k ≥ 1: saved, then killed before write k."""
        decision = self.decide()
        self.decisions.append(decision)
        if crash_at == 0:
            return decision
        self.memory = json.loads(json.dumps(decision.memory.to_dict()))
        for index, write in enumerate(decision.writes, start=1):
            if crash_at == index:
                break
            self.cluster = apply_write(self.cluster, write)
            self.write_times.append((self.cluster.log[-1], self.now, dict(self.settled_since)))
        return decision

    def advance(self, steps: int = 1) -> None:
        for _ in range(steps):
            self.cluster = tick(self.cluster)
            self.now += STEP
            self._watch_settled()

    def _watch_settled(self) -> None:
        """An oracle independent of the reconciler: since when has each pool been fully updated?"""
        for pool in self.cluster.pools:
            nodes = [n for n in self.cluster.nodes if n.pool == pool.name]
            settled = pool.current == pool.target and all(
                n.current == pool.target and n.state == "Done" for n in nodes
            )
            if not settled:
                self.settled_since.pop(pool.name, None)
            else:
                self.settled_since.setdefault(pool.name, self.now)

    def step(self, crash_at: int | None = None) -> Decision:
        decision = self.run_pass(crash_at)
        self.advance()
        return decision

    def run_until_done(
        self, max_steps: int = 400, rng: random.Random | None = None, crash_rate: float = 0.0
    ) -> int:
        for steps in range(1, max_steps + 1):
            crash_at = _crash_point(self, rng, crash_rate)
            self.crashes += crash_at is not None
            decision = self.step(crash_at)
            if decision.done and crash_at is None:
                return steps
        raise AssertionError(f"not done after {max_steps} passes: {self.decisions[-1].summary}")

    def mc_writes(self) -> list[str]:
        return [entry for entry in self.cluster.log if not entry.startswith("pause ")]


def _crash_point(ctl: Controller, rng: random.Random | None, rate: float) -> int | None:
    """Pick where this pass dies (or None), knowing how many writes it will issue."""
    if rng is None or rng.random() >= rate:
        return None
    writes = len(ctl.decide().writes)
    return rng.randint(0, writes)
