"""CourseService on the fake store: the catalogue and finding a course by name."""

from __future__ import annotations

import pytest

from domain.errors import CourseNotFound, DenialReason, PermissionDenied, TitleTaken
from domain.permissions import Capability
from tests.fakes.school import School


async def test_course_titles_clash_regardless_of_case() -> None:
    school = School()
    python = await school.course("Python 101")
    with pytest.raises(TitleTaken) as caught:
        await school.courses.create(await school.admin(), title="PYTHON  101")
    assert (caught.value.kind, caught.value.existing_id) == ("course", python.id)


async def test_a_course_is_found_by_title_or_id_and_a_typo_gets_suggestions() -> None:
    school = School()
    python = await school.course("Python 101")
    await school.course("SQL")
    assert await school.courses.resolve("python 101") == python
    assert await school.courses.resolve(f"#{python.id}") == python
    with pytest.raises(CourseNotFound) as caught:
        await school.courses.resolve("Pyton")
    assert caught.value.suggestions == ("Python 101",)


async def test_a_course_picked_in_a_form_that_vanished_is_named() -> None:
    school = School()
    python = await school.course("Python")
    assert await school.courses.by_ids([python.id]) == [python]
    with pytest.raises(CourseNotFound) as caught:
        await school.courses.by_ids([python.id, 999])
    assert caught.value.name == "#999"


async def test_managers_read_the_catalogue_but_only_admins_change_it() -> None:
    school = School()
    group = await school.group("Sales")
    await school.course("Python")
    manager = await school.manager("UM", group, Capability.VIEW_GROUPS)
    assert [c.title for c in await school.courses.catalogue(manager)] == ["Python"]
    with pytest.raises(PermissionDenied) as caught:
        await school.courses.create(manager, title="SQL")
    assert caught.value.reason is DenialReason.ADMIN_ONLY
    assert [c.title for c in await school.courses.catalogue(manager)] == ["Python"]
