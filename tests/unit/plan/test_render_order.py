"""A pool's MachineConfigs in render order, read through the role index, are exactly those of its
roles sorted by the render key: whatever the roles, names, duplicates and order of the MCs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler import render
from reconciler.model import LiveState, MachineConfigInfo, PoolState, RoleIndex

ROLES = st.sampled_from(["worker", "master", "infra", "canary"])
MCS = st.lists(
    st.builds(MachineConfigInfo, name=st.sampled_from(["00-a", "01-b", "50-c", "99-d", "rendered-x"]),
              role=st.none() | ROLES, os_image_url=st.sampled_from(["", "img-1", "img-2"])),
    max_size=12,
)


@given(MCS, st.lists(ROLES, min_size=1, max_size=3).map(tuple))
def test_ordered_is_the_stable_sort_of_the_roles_mcs(mcs: list[MachineConfigInfo], roles: tuple[str, ...]) -> None:
    index = RoleIndex(mcs)
    expected = tuple(sorted(index.of_roles(roles), key=render.render_key))
    assert index.ordered(roles, render.render_key) == expected
    assert index.ordered(roles, render.render_key) == expected  # the memo answers the same
    assert [id(mc) for mc in index.ordered(roles, render.render_key)] == [id(mc) for mc in expected]


@given(MCS, st.lists(ROLES, min_size=1, max_size=3).map(tuple))
def test_the_winner_is_the_last_mc_with_an_image(mcs: list[MachineConfigInfo], roles: tuple[str, ...]) -> None:
    pool = PoolState("p", roles)
    live = LiveState("base", "4.16", tuple(mcs), (pool,))
    with_image = [mc for mc in sorted(RoleIndex(mcs).of_roles(roles), key=render.render_key) if mc.os_image_url]
    assert render.winner(pool, live.by_role) == (with_image[-1] if with_image else None)
