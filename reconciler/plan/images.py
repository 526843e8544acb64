"""Preflight checks that need registry metadata (see preflight.py). Only run where metadata is available
(an ImageInfo per image reference, and one for the cluster's base image)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.model import Action, ImageCheck, ImageInfo, LiveState, Problem
from reconciler.plan.preflight import image_checks


def image_problems(actions: Sequence[Action], live: LiveState, images: Mapping[str, ImageInfo],
                   allow_stale_base: bool = False) -> list[Problem]:
    return image_checks(actions, live, images, allow_stale_base)[1]


def image_check_results(actions: Sequence[Action], live: LiveState, images: Mapping[str, ImageInfo]
                        ) -> tuple[ImageCheck, ...]:
    return tuple(image_checks(actions, live, images)[0])
