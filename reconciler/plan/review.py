"""What a pull request changes in the bindings, relative to its target branch. Pure."""

from __future__ import annotations

from reconciler.model import Binding, BindingChange, DesiredState

_COMPARED = (("stage", "stage"), ("window", "window"), ("acceptConflicts", "accept_conflicts"), ("name", "name"))


def binding_changes(base: DesiredState, head: DesiredState) -> tuple[BindingChange, ...]:
    """Per pool (sorted): a binding added, removed, or changed in image or settings; equal ones are left out."""
    before, after = _by_pool(base), _by_pool(head)
    changes = []
    for pool in sorted(before.keys() | after.keys()):
        old, new = before.get(pool), after.get(pool)
        if old is None and new is not None:
            changes.append(BindingChange(pool, "added", None, new.os_image_url, binding=new.name))
        elif new is None and old is not None:
            changes.append(BindingChange(pool, "removed", old.os_image_url, None, binding=old.name))
        elif old is not None and new is not None:
            details = tuple(_differences(old, new))
            if details or old.os_image_url != new.os_image_url:
                changes.append(BindingChange(pool, "changed", old.os_image_url, new.os_image_url, details, new.name))
    return tuple(changes)


def _by_pool(desired: DesiredState) -> dict[str, Binding]:
    found: dict[str, Binding] = {}
    for binding in desired.bindings:
        found.setdefault(binding.pool, binding)
    return found


def _differences(old: Binding, new: Binding) -> list[str]:
    shown = []
    for label, attribute in _COMPARED:
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            shown.append(f"{label}: {_text(before)} → {_text(after)}")
    return shown


def _text(value: object) -> str:
    return "(none)" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
