"""What the Gradebook and the Review Center cost on SQLite, at school sizes.

Seeds a fresh SQLite file with one group of ``--learners`` learners, a course of
``--assessments`` assessments and one graded attempt of each learner at each, then
prints the time of the gradebook's first page, of the review queue's first page
with ``--pending`` responses waiting, and of the assessment results workbook for
``--export-learners`` learners (time, and the peak resident memory of the process).

    .venv/bin/python benchmarks/gradebook.py [--learners 1000] [--assessments 20]
        [--pending 10000] [--export-learners 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.xlsx_export import assessment_results_workbook
from domain.entities import Actor
from domain.grading.service import GradingService
from storage import db
from storage.sql import execute
from storage.store import TortoiseStore

NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def seed(learners: int, assessments: int, pending: int) -> None:
    """Group 1 with ``learners`` members; course 1 with ``assessments`` assessments; a
    graded attempt per learner and assessment; ``pending`` attempts waiting, spread
    over the learners, at an assessment of their own."""
    await execute(
        None,
        "INSERT INTO courses (id, title, title_key, created_at) "
        "VALUES (1, 'Python 101', 'python 101', ?)",
        [NOW],
    )
    await execute(
        None,
        "INSERT INTO groups (id, title, title_key, description, created_at, "
        "updated_at) VALUES (1, 'Cohort', 'cohort', '', ?, ?)",
        [NOW, NOW],
    )
    await execute(None, "INSERT INTO group_courses (group_id, course_id) VALUES (1, 1)", [])
    await execute(
        None,
        "INSERT INTO users (id, email, username, status, is_admin, created_at, first_name, "
        "last_name) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq "
        "WHERE n < ?) SELECT n, 'learner' || n || '@bench.school', 'learner' || "
        "substr('00000' || n, -6), 'active', 0, ?, '', '' FROM seq",
        [learners, NOW],
    )
    await execute(
        None,
        "INSERT INTO memberships (group_id, user_id, joined_at, source) "
        "SELECT 1, id, ?, 'manual' FROM users",
        [NOW],
    )
    await execute(
        None,
        "INSERT INTO assessments (id, course_id, key, title, kind, max_score, pass_mark, "
        "needs_review, created_at) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT "
        "n + 1 FROM seq WHERE n < ?) SELECT n, 1, 'a' || n, 'Assessment ' || n, 'exam', 10, "
        "6, 0, ? FROM seq",
        [assessments + 1, NOW],
    )
    await execute(
        None,
        "INSERT INTO submissions (assessment_id, user_id, attempt, submitted_at, responses, "
        "auto_score, score, feedback, state) SELECT a.id, u.id, 1, ?, '', 7, 7, '', "
        "'released' FROM users u CROSS JOIN assessments a WHERE a.id <= ?",
        [NOW, assessments],
    )
    await execute(
        None,
        "INSERT INTO submissions (assessment_id, user_id, attempt, submitted_at, responses, "
        "feedback, state) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq "
        "WHERE n < ?) SELECT ?, (n % ?) + 1, (n / ?) + 1, ?, 'an essay', '', 'pending' "
        "FROM seq",
        [pending, assessments + 1, learners, learners, NOW],
    )


def timed(runs: list[float]) -> str:
    return f"median {statistics.median(runs) * 1000:.0f} ms, worst {max(runs) * 1000:.0f} ms"


async def measure(args: argparse.Namespace, directory: Path) -> None:
    admin = Actor("UBENCH", None, True)
    for learners, label in ((args.learners, "gradebook"), (args.export_learners, "export")):
        url = db.sqlite_url(directory / f"{label}.sqlite3")
        await db.migrate(url)
        await db.connect(url)
        try:
            started = time.perf_counter()
            await seed(learners, args.assessments, args.pending)
            print(
                f"seeded {learners:,} learners x {args.assessments} assessments "
                f"(+{args.pending:,} pending) in {time.perf_counter() - started:.1f} s"
            )
            store = TortoiseStore()
            service = GradingService(store, None)  # type: ignore[arg-type]
            group = await store.groups.get(1)
            assert group is not None
            if label == "gradebook":
                runs = []
                for _ in range(5):
                    started = time.perf_counter()
                    page = await service.gradebook(admin, group, None)
                    runs.append(time.perf_counter() - started)
                assert len(page.rows.items) == 20
                print(f"  gradebook, first page of {learners:,} learners: {timed(runs)}")
                runs = []
                for _ in range(5):
                    started = time.perf_counter()
                    queue = await service.queue(admin, group)
                    runs.append(time.perf_counter() - started)
                print(f"  review queue, first page of {queue.total:,} pending: {timed(runs)}")
                continue
            started = time.perf_counter()
            book = await service.export(admin, group, None)
            read = time.perf_counter() - started
            content = await asyncio.to_thread(assessment_results_workbook, book)
            total = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            print(
                f"  export of {learners:,} x {args.assessments}: read {read:.1f} s, "
                f"workbook {total - read:.1f} s, total {total:.1f} s, "
                f"{len(content) / 1e6:.1f} MB, peak RSS of the process {peak / 1e6:.0f} MB"
            )
        finally:
            await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--assessments", type=int, default=20)
    parser.add_argument("--pending", type=int, default=10000)
    parser.add_argument("--export-learners", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-gradebook-") as directory:
        asyncio.run(measure(args, Path(directory)))


if __name__ == "__main__":
    main()
