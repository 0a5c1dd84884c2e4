from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.entities import Actor, Group
from domain.errors import PermissionDenied
from domain.permissions import MANAGER_CAPABILITIES, Capability, allows, require

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MINE = Group(1, "Mine", "", None, NOW, NOW)
THEIRS = Group(2, "Theirs", "", None, NOW, NOW)
ADMIN = Actor("UA", 1, is_admin=True)
MANAGER = Actor("UM", 2, is_admin=False, managed_group_ids=frozenset({1}))
NOBODY = Actor("UN", None, is_admin=False)


@pytest.mark.parametrize("capability", list(Capability))
def test_admins_may_do_everything(capability: Capability) -> None:
    assert allows(ADMIN, capability, THEIRS)


@pytest.mark.parametrize("capability", list(Capability))
def test_managers_act_only_on_their_groups_and_only_as_managers(capability: Capability) -> None:
    assert allows(MANAGER, capability, MINE) is (capability in MANAGER_CAPABILITIES)
    assert not allows(MANAGER, capability, THEIRS)
    assert not allows(NOBODY, capability, MINE)


def test_a_denial_names_the_capability_and_the_group() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(MANAGER, Capability.MANAGE_MEMBERS, THEIRS)
    assert (caught.value.capability, caught.value.group_title) == ("manage group members", "Theirs")
