from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.entities import Actor, Group
from domain.errors import DenialReason, InvalidInput, PermissionDenied
from domain.grants import normalize_grants
from domain.permissions import (
    ADMIN_ONLY,
    GRANTABLE,
    MANAGE_USERS_PARTS,
    Capability,
    denial,
    require,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MINE = Group(1, "Mine", "", None, NOW, NOW)
THEIRS = Group(2, "Theirs", "", None, NOW, NOW)
ADMIN = Actor("UA", 1, is_admin=True)
UNLINKED = Actor("UN", None, is_admin=False)
LEARNER = Actor("UL", 3, is_admin=False)


def manager(*granted: Capability) -> Actor:
    return Actor("UM", 2, False, frozenset({MINE.id}), frozenset(granted))


@pytest.mark.parametrize("capability", list(Capability))
def test_admins_may_do_everything_everywhere(capability: Capability) -> None:
    assert denial(ADMIN, capability, THEIRS) is None


@pytest.mark.parametrize("capability", GRANTABLE)
def test_a_grant_applies_in_the_managers_groups_only(capability: Capability) -> None:
    holder = manager(capability)
    assert denial(holder, capability, MINE) is None
    assert denial(holder, capability) is None
    assert denial(holder, capability, THEIRS) is DenialReason.NOT_THEIR_GROUP
    others = [c for c in GRANTABLE if c != capability and c not in MANAGE_USERS_PARTS]
    for other in others:
        assert denial(holder, other, MINE) is DenialReason.NOT_GRANTED


@pytest.mark.parametrize("capability", sorted(ADMIN_ONLY))
def test_school_wide_capabilities_are_never_granted(capability: Capability) -> None:
    assert denial(manager(*GRANTABLE), capability, MINE) is DenialReason.ADMIN_ONLY


def test_manage_users_as_a_whole_covers_each_part_but_a_part_not_the_whole() -> None:
    whole = manager(Capability.MANAGE_USERS)
    assert all(denial(whole, part, MINE) is None for part in MANAGE_USERS_PARTS)
    part = manager(Capability.DELETE_USER)
    assert denial(part, Capability.MANAGE_USERS, MINE) is DenialReason.NOT_GRANTED
    assert denial(part, Capability.CREATE_USER, MINE) is DenialReason.NOT_GRANTED


def test_people_who_manage_no_group_hold_nothing_even_if_once_granted() -> None:
    former = Actor("UF", 4, False, frozenset(), frozenset({Capability.VIEW_GROUPS}))
    assert denial(former, Capability.VIEW_GROUPS) is DenialReason.NOT_A_MANAGER
    assert denial(LEARNER, Capability.VIEW_GROUPS) is DenialReason.NOT_A_MANAGER
    assert denial(UNLINKED, Capability.VIEW_GROUPS) is DenialReason.UNLINKED


def test_a_denial_names_the_capability_the_reason_and_the_group() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(manager(), Capability.BASIC_USER_ACTIONS, MINE)
    error = caught.value
    assert error.capability == "Manage users: Basic user actions"
    assert (error.reason, error.group_title) == (DenialReason.NOT_GRANTED, "Mine")


def test_ticking_the_whole_stores_the_whole_without_its_parts() -> None:
    ticked = [Capability.MANAGE_USERS, *MANAGE_USERS_PARTS, Capability.VIEW_USERS]
    assert normalize_grants(ticked) == {Capability.MANAGE_USERS, Capability.VIEW_USERS}
    assert normalize_grants([Capability.MANAGE_USERS]) == {Capability.MANAGE_USERS}


def test_ticking_the_whole_but_leaving_parts_out_is_refused_with_the_part_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_grants([Capability.MANAGE_USERS, Capability.CREATE_USER])
    assert caught.value.field == "Manage users"
    assert "left out Manage users: Bulk actions" in caught.value.message


def test_admin_only_and_unknown_keys_cannot_be_granted() -> None:
    for key in (Capability.CREATE_GROUP, "users.everything"):
        with pytest.raises(InvalidInput, match="not a capability"):
            normalize_grants([key])
