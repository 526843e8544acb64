"""The rollout memory: what must outlive a process, as a JSON-able document kept in the cluster.

Per pool, one record of the rollout we last started (or adopted): its target, the content our
MachineConfig had before (for a rollback), its stage and window, the base image it was applied
against, the last progress seen and the bake start. Besides: revisions that failed and were rolled
back, and the pools we paused ourselves.

A record is written as an *intent* before the write it describes: `written` turns true only once the
cluster shows our MachineConfig as the record wants, so a crash between saving and writing makes the
next pass repeat the write, and a crash after writing makes it see the write done.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Any

from reconciler.model import DesiredMachineConfig
from reconciler.records import record

FORMAT_VERSION = 1


class RecordKind(StrEnum):
    APPLY = "apply"  # our MC carries `image`
    REMOVE = "remove"  # our MC is deleted: the pool falls back to the base (or inherited) image
    RESTORE = "restore"  # rollback: our MC restored to its previous content (or deleted)


@record
class PoolRecord:
    pool: str
    kind: RecordKind
    image: str | None  # what our MC carries once written; None = our MC absent
    replaced_image: str = ""  # the image our MC carried before: it must leave the render (removals)
    binding: str = ""
    stage: int = 0
    window: str | None = None
    affected: tuple[str, ...] = ()  # pools whose render this change reaches (the pool first)
    base_image: str = ""  # the cluster's base image when the record began
    previous: DesiredMachineConfig | None = None  # our MC before this change; None = absent
    previous_known: bool = True  # False for changes we did not write ourselves (adopted)
    started_at: float = 0.0
    written: bool = False
    progress: str = ""  # digest of the rollout state last seen
    progress_at: float = 0.0  # when that state was first seen
    updated_since: float | None = None  # bake start: first seen updated and healthy
    done_at: float | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@record
class FailedRevision:
    """A (binding, image) that degraded its pool and was rolled back; image None = the removal."""

    pool: str
    binding: str
    image: str | None
    reason: str = ""
    at: float = 0.0


@record
class Memory:
    records: tuple[PoolRecord, ...] = ()  # sorted by pool, one per pool
    failed: tuple[FailedRevision, ...] = ()
    paused_by_us: tuple[str, ...] = ()  # sorted pool names

    def record(self, pool: str) -> PoolRecord | None:
        return self._by_pool.get(pool)

    @cached_property
    def _by_pool(self) -> dict[str, PoolRecord]:
        return {r.pool: r for r in self.records}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "pools": {r.pool: _record_to_dict(r) for r in self.records},
            "failed": [_failure_to_dict(f) for f in self.failed],
            "pausedByUs": list(self.paused_by_us),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Memory:
        """Read a saved document ({} = fresh). Raises ValueError on a document it cannot trust."""
        if not doc:
            return cls()
        if doc.get("version") != FORMAT_VERSION:
            raise ValueError(f"rollout memory: unsupported version {doc.get('version')!r}")
        pools = _mapping(doc.get("pools", {}), "pools")
        records = tuple(_record_from_dict(name, _mapping(body, name)) for name, body in sorted(pools.items()))
        failed = tuple(
            _failure_from_dict(_mapping(f, "failed")) for f in _list(doc.get("failed", []), "failed")
        )
        paused = tuple(sorted(_str(p, "pausedByUs") for p in _list(doc.get("pausedByUs", []), "pausedByUs")))
        return cls(records=records, failed=failed, paused_by_us=paused)


# ---- serialisation --------------------------------------------------------------------------------
_RECORD_DEFAULTS: dict[str, Any] = {
    "image": None, "replacedImage": "", "binding": "", "stage": 0, "window": None, "affected": [],
    "baseImage": "", "previous": None, "previousKnown": True, "startedAt": 0.0, "written": False,
    "progress": "", "progressAt": 0.0, "updatedSince": None, "doneAt": None,
}
PROGRESS_FIELDS = ("progress", "progressAt")  # move on every node step: not worth a save alone


def _record_to_dict(r: PoolRecord) -> dict[str, Any]:
    """Fields at their default are left out (reading fills them in): thousands of pools stay small."""
    full = _full_record(r)
    return {k: v for k, v in full.items() if k not in _RECORD_DEFAULTS or v != _RECORD_DEFAULTS[k]}


def without_progress(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document without the progress marks: equal results = no change in substance."""
    pools = doc.get("pools")
    if not isinstance(pools, Mapping):
        return dict(doc)
    return {**doc, "pools": {name: {k: v for k, v in body.items() if k not in PROGRESS_FIELDS}
                             if isinstance(body, Mapping) else body for name, body in pools.items()}}


def _full_record(r: PoolRecord) -> dict[str, Any]:
    return {
        "kind": r.kind.value,
        "image": r.image,
        "replacedImage": r.replaced_image,
        "binding": r.binding,
        "stage": r.stage,
        "window": r.window,
        "affected": list(r.affected),
        "baseImage": r.base_image,
        "previous": _content_to_dict(r.previous),
        "previousKnown": r.previous_known,
        "startedAt": r.started_at,
        "written": r.written,
        "progress": r.progress,
        "progressAt": r.progress_at,
        "updatedSince": r.updated_since,
        "doneAt": r.done_at,
    }


def _record_from_dict(pool: str, d: Mapping[str, Any]) -> PoolRecord:
    where = f"pools.{pool}"
    try:
        kind = RecordKind(_str(d.get("kind"), f"{where}.kind"))
    except ValueError as e:
        raise ValueError(f"rollout memory: {where}.kind: {d.get('kind')!r} is not a record kind") from e
    return PoolRecord(
        pool=pool,
        kind=kind,
        image=_opt_str(d.get("image"), f"{where}.image"),
        replaced_image=_str(d.get("replacedImage", ""), f"{where}.replacedImage"),
        binding=_str(d.get("binding", ""), f"{where}.binding"),
        stage=_int(d.get("stage", 0), f"{where}.stage"),
        window=_opt_str(d.get("window"), f"{where}.window"),
        affected=tuple(_str(p, f"{where}.affected") for p in _list(d.get("affected", []), where)),
        base_image=_str(d.get("baseImage", ""), f"{where}.baseImage"),
        previous=_content_from_dict(d.get("previous"), f"{where}.previous"),
        previous_known=_bool(d.get("previousKnown", True), f"{where}.previousKnown"),
        started_at=_float(d.get("startedAt", 0.0), f"{where}.startedAt"),
        written=_bool(d.get("written", False), f"{where}.written"),
        progress=_str(d.get("progress", ""), f"{where}.progress"),
        progress_at=_float(d.get("progressAt", 0.0), f"{where}.progressAt"),
        updated_since=_opt_float(d.get("updatedSince"), f"{where}.updatedSince"),
        done_at=_opt_float(d.get("doneAt"), f"{where}.doneAt"),
    )


def _failure_to_dict(f: FailedRevision) -> dict[str, Any]:
    return {"pool": f.pool, "binding": f.binding, "image": f.image, "reason": f.reason, "at": f.at}


def _failure_from_dict(d: Mapping[str, Any]) -> FailedRevision:
    return FailedRevision(
        pool=_str(d.get("pool"), "failed.pool"),
        binding=_str(d.get("binding", ""), "failed.binding"),
        image=_opt_str(d.get("image"), "failed.image"),
        reason=_str(d.get("reason", ""), "failed.reason"),
        at=_float(d.get("at", 0.0), "failed.at"),
    )


def _content_to_dict(mc: DesiredMachineConfig | None) -> dict[str, Any] | None:
    if mc is None:
        return None
    return {
        "name": mc.name,
        "pool": mc.pool,
        "osImageURL": mc.os_image_url,
        "labels": dict(mc.labels),
        "annotations": dict(mc.annotations),
    }


def _content_from_dict(raw: Any, where: str) -> DesiredMachineConfig | None:
    if raw is None:
        return None
    d = _mapping(raw, where)
    return DesiredMachineConfig(
        name=_str(d.get("name"), f"{where}.name"),
        pool=_str(d.get("pool"), f"{where}.pool"),
        os_image_url=_str(d.get("osImageURL"), f"{where}.osImageURL"),
        labels=_pairs(d.get("labels", {}), f"{where}.labels"),
        annotations=_pairs(d.get("annotations", {}), f"{where}.annotations"),
    )


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"rollout memory: {where}: expected an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueError(f"rollout memory: {where}: expected a list")
    return raw


def _str(raw: Any, where: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"rollout memory: {where}: expected a string")
    return raw


def _opt_str(raw: Any, where: str) -> str | None:
    return None if raw is None else _str(raw, where)


def _int(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"rollout memory: {where}: expected an integer")
    return raw


def _float(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"rollout memory: {where}: expected a number")
    return float(raw)


def _opt_float(raw: Any, where: str) -> float | None:
    return None if raw is None else _float(raw, where)


def _bool(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"rollout memory: {where}: expected true or false")
    return raw


def _pairs(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    d = _mapping(raw, where)
    return tuple(sorted((_str(k, where), _str(v, where)) for k, v in d.items()))
