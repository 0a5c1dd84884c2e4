"""A rule over the whole school finds people with a tag, a completion or some
progress from an index, not by reading every tag and enrolment (a course's
enrolments by their progress also serve "completed").

At a million users that reading is most of a preview's time; the indexes come
from migration 0016, the folded-tag one on the very expression each engine's
rule SQL folds with, or it would never be used. PostgreSQL is told not to scan
whole tables, so on a test's few rows it shows whether it could use them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from domain.rules.model import Catalogue
from domain.rules.parser import parse
from storage.rule_sql import compile_rule, on_postgres
from storage.sql import _dialect

RULE = 'tag in ["Sales", "cs"] or completed "Python" or progress "Python" at least 10'


async def test_a_whole_school_rule_reads_tags_and_enrolments_from_their_indexes(
    connected: str,
) -> None:
    postgres = on_postgres()
    rule = parse(RULE, Catalogue({"python": "Python"}, {}))
    where, params = compile_rule(rule, postgres=postgres, now=datetime.now(UTC), few=False)
    async with in_transaction() as conn:
        if postgres:
            await conn.execute_query("SET LOCAL enable_seqscan = off")
        sql = _dialect(
            f"EXPLAIN {'' if postgres else 'QUERY PLAN '}SELECT u.id FROM users u WHERE {where}",
            conn,
        )
        plan = str(await conn.execute_query_dict(sql, params))
    assert "user_tags_folded" in plan, plan
    assert plan.count("enrollments_course_progress") >= 2, plan
