"""Groups whose members a rule decides, and saved user segments.

A rule is previewed (what it would add and remove) before it is saved; saving
applies it to everyone at once. Afterwards, whatever changes a user (a new
user, an import, an enrolment, progress, a sign-in, a membership) marks that
user, and a background round re-evaluates only the marked users against
every group rule, within a fraction of a second. Rules with dates change with
time alone, so the app also sweeps all rules periodically.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from domain.clock import Clock, utc_now
from domain.emails import EmailService
from domain.entities import Actor, Course, Group, User
from domain.errors import InvalidInput
from domain.letters import OutgoingEmail
from domain.permissions import Capability, allows, require
from domain.ports import Store
from domain.rules.form import FormBlocks, from_form
from domain.rules.model import (
    Attr,
    Catalogue,
    NoRule,
    Rule,
    RuleError,
    RuleEvent,
    RuleNotFound,
    RulePreview,
    RuleRun,
    RuleState,
    SavedRule,
    SegmentNotFound,
    StaleSegment,
    conditions,
    with_group_renamed,
)
from domain.rules.parser import parse
from domain.rules.text import to_text
from domain.validation import normalize_reason, normalize_title, title_key

log = logging.getLogger(__name__)

PREVIEW_FIRST = 10
RECENT_EVENTS = 10
SETTLE_SECONDS = 0.05
MARK_HOLD = timedelta(minutes=5)
"""How long a round holds the marks it evaluates: another process takes them after."""
MARKS_PER_ROUND = 5000
"""How long a round waits for more changes to gather before it evaluates."""
MAX_ROUNDS = 3
"""Rules may depend on other groups' membership; a change ripples at most this far."""
DATED = (Attr.CREATED, Attr.LAST_SIGN_IN)


@dataclass(frozen=True, slots=True)
class RuleSummary:
    group: Group
    rule: SavedRule | None
    parsed: Rule | None
    events: tuple[RuleEvent, ...]


class RuleService:
    def __init__(self, store: Store, mail: EmailService, *, clock: Clock = utc_now) -> None:
        self._store = store
        self._mail = mail
        self._clock = clock
        self._dirty: dict[int, str] = {}
        self._round: asyncio.Task[None] | None = None

    async def catalogue(self, group: Group | None, actor: Actor | None = None) -> Catalogue:
        """The names a rule may use; for a manager writing one, only their own groups,
        so a rule never asks about a group they don't manage."""
        courses, groups = await self._store.rules.catalogue()
        if actor is not None and not actor.is_admin:
            theirs = set(await self._store.groups.titles(actor.managed_group_ids))
            groups = {key: title for key, title in groups.items() if title in theirs}
        return Catalogue(courses, groups, own_group=title_key(group.title) if group else None)

    async def read(self, actor: Actor, group: Group | None, text: str) -> Rule:
        """A rule typed as text; :class:`RuleError` points at the mistake."""
        require(actor, Capability.MANAGE_SEGMENTS, group)
        _check_target(group)
        return parse(text, await self.catalogue(group, actor))

    def needs_approval(self, actor: Actor, group: Group | None) -> bool:
        """A manager's group rule reaches the whole school (it adds whoever matches,
        enrols and emails them), so an admin approves it; segments only filter lists."""
        return group is not None and not allows(actor, Capability.APPROVE_RULES)

    async def read_form(
        self,
        actor: Actor,
        group: Group | None,
        blocks: FormBlocks,
    ) -> Rule:
        require(actor, Capability.MANAGE_SEGMENTS, group)
        _check_target(group)
        (first, first_all), (second, second_all) = blocks
        catalogue = await self.catalogue(group, actor)
        return from_form(first, first_all, second, second_all, catalogue)

    async def preview(
        self, actor: Actor, group: Group | None, rule: Rule, *, name: str = ""
    ) -> tuple[SavedRule, RulePreview]:
        """Keeps the rule as a draft and counts what saving it would change."""
        require(actor, Capability.MANAGE_SEGMENTS, group)
        _check_target(group)
        if group is None:
            name = normalize_title(name, what="segment name")
        draft = await self._store.rules.draft(
            group_id=group.id if group else None,
            name=name,
            text=to_text(rule),
            created_by=actor.user_id,
        )
        counts = await self._store.rules.preview(
            group.id if group else None, rule, self._clock(), limit=PREVIEW_FIRST
        )
        if not allows(actor, Capability.VIEW_USERS):
            counts = replace(counts, first_added=(), first_removed=(), names_shown=False)
        return draft, counts

    async def preview_list(self, actor: Actor, draft: SavedRule) -> RuleRun | None:
        """Everyone the preview counts, for its file; None for someone who may not view
        the school's users (a rule reaches beyond the groups they manage)."""
        if not allows(actor, Capability.VIEW_USERS):
            return None
        group = await self.group_of(draft)
        rule = parse(draft.text, await self.catalogue(group))
        return await self._store.rules.changes(draft.group_id, rule, self._clock())

    async def decide(
        self, actor: Actor, rule_id: int, *, save: bool, channel: str = "", thread_ts: str = ""
    ) -> tuple[SavedRule, bool]:
        """Saves or cancels a draft once; ``(rule, changed)``, unchanged when it was
        already decided (a second click, or a second person). A manager's group rule
        is not saved but sent for approval (its state then says so); ``channel`` and
        ``thread_ts`` are where its preview is, to tell the decision there."""
        saved = await self._draft(rule_id)
        group = await self.group_of(saved)
        require(actor, Capability.MANAGE_SEGMENTS, group)
        rules = self._store.rules
        if not save:
            moved = await rules.cancel(rule_id)
        elif self.needs_approval(actor, group):
            moved = await rules.request_approval(rule_id, channel=channel, thread_ts=thread_ts)
        else:
            moved = await rules.activate(rule_id, self._clock())
        return (moved, True) if moved else (await self._draft(rule_id), False)

    async def for_review(
        self, actor: Actor, rule_id: int
    ) -> tuple[SavedRule, Group | None, RulePreview]:
        """A manager's rule waiting for approval, with what it would change now (the
        school may have changed since its preview); admins only."""
        require(actor, Capability.APPROVE_RULES)
        saved = await self._draft(rule_id)
        group = await self.group_of(saved)
        if saved.state is not RuleState.PENDING or group is None:
            return saved, group, RulePreview(0, 0, 0, 0, (), ())
        rule = parse(saved.text, await self.catalogue(group))
        preview = await self._store.rules.preview(
            group.id, rule, self._clock(), limit=PREVIEW_FIRST
        )
        return saved, group, preview

    async def review(
        self, actor: Actor, rule_id: int, *, approve: bool, reason: str
    ) -> tuple[SavedRule, bool]:
        """Approves or rejects a manager's rule once; ``(rule, decided now)``. A repeat
        of the decision changes nothing; the other decision afterwards is refused."""
        require(actor, Capability.APPROVE_RULES)
        why = normalize_reason(reason)
        if not approve and not why:
            raise InvalidInput("reason", "Say why, so the manager knows what to change.")
        rules, now = self._store.rules, self._clock()
        moved = await (
            rules.activate(rule_id, now, approved_by=actor.user_id)
            if approve
            else rules.reject(rule_id, by=actor.user_id, reason=why, now=now)
        )
        if moved is not None:
            return moved, True
        saved = await self._draft(rule_id)
        if saved.decided_at is not None and approve is (saved.state is not RuleState.REJECTED):
            return saved, False
        raise RuleError(
            f"This rule was already {saved.state.value}, so it can't be "
            f"{'approved' if approve else 'rejected'} now; nothing was changed."
        )

    async def run(self, saved: SavedRule, cause: str) -> RuleRun:
        """Applies a group's rule to every user now; the people it moved are then
        re-evaluated against the other rules, which may depend on this group."""
        group = await self.group_of(saved)
        if group is None:
            return RuleRun((), ())
        return await self._run(saved, group, cause)

    async def _run(self, saved: SavedRule, group: Group, cause: str) -> RuleRun:
        run = await self._apply(saved, group, None, cause)
        if any(_on_membership(rule) for _, _, rule in await self._active()):
            moved = [u.id for u in (*run.added, *run.removed)]
            self.touch(moved, f"membership of {group.title} changed")
        return run

    async def current(self, actor: Actor, group: Group) -> SavedRule | None:
        """The group's rule, to edit it."""
        require(actor, Capability.MANAGE_SEGMENTS, group)
        return await self._store.rules.active_for_group(group.id)

    async def active(self, actor: Actor, group: Group) -> SavedRule:
        """The group's rule, for "Re-evaluate now"."""
        saved = await self.current(actor, group)
        if saved is None:
            raise NoRule(group.title, "re-evaluate")
        return saved

    async def summary(self, actor: Actor, group: Group) -> RuleSummary:
        require(actor, Capability.VIEW_GROUPS, group)
        saved = await self._store.rules.active_for_group(group.id)
        parsed = await self.parsed(saved, group) if saved else None
        events = await self._store.rules.events(group.id, limit=RECENT_EVENTS)
        return RuleSummary(group, saved, parsed, tuple(events))

    async def end(self, actor: Actor, group: Group) -> SavedRule:
        """Removes the rule; everyone it added stays, now as a member added by hand."""
        require(actor, Capability.MANAGE_SEGMENTS, group)
        ended = await self._store.rules.end(group.id, by=actor.user_id, now=self._clock())
        if ended is None:
            raise NoRule(group.title, "remove")
        return ended

    def require_segments(self, actor: Actor) -> None:
        """Before the segment form opens, so nobody fills it in to be refused."""
        require(actor, Capability.MANAGE_SEGMENTS)

    async def segments(self, actor: Actor) -> list[SavedRule]:
        require(actor, Capability.VIEW_GROUPS)
        return await self._store.rules.segments()

    async def segment(self, actor: Actor, name: str) -> tuple[SavedRule, Rule]:
        """A saved segment and its rule, to filter a list by."""
        require(actor, Capability.VIEW_GROUPS)
        saved = await self._store.rules.segment(name)
        if saved is None:
            raise SegmentNotFound(name)
        parsed = await self.parsed(saved, None)
        if parsed is None:
            raise StaleSegment(saved.name)
        return saved, parsed

    def touch(self, user_ids: Iterable[int], cause: str) -> None:
        """Marks users whose data changed; a round soon re-evaluates them. A user marked
        twice before the round keeps the later cause, the one the round sees."""
        for user_id in user_ids:
            self._dirty[user_id] = cause
        if self._dirty and (self._round is None or self._round.done()):
            self._round = asyncio.get_running_loop().create_task(self._rounds())

    async def settled(self) -> None:
        """Waits for the rounds under way (at shutdown, so no change is lost)."""
        while self._round is not None and not self._round.done():
            await asyncio.shield(self._round)

    async def reevaluate(self, causes: dict[int, str]) -> int:
        """Re-evaluates these users against every group rule; how many memberships changed."""
        changed_total = 0
        pending, rules = causes, await self._active()
        for _ in range(MAX_ROUNDS):
            if not pending:
                break
            changed: dict[int, str] = {}
            for saved, group, rule in rules:
                for cause in set(pending.values()):
                    ids = [u for u, c in pending.items() if c == cause]
                    run = await self._apply(saved, group, ids, cause, rule)
                    for user in (*run.added, *run.removed):
                        changed[user.id] = f"membership of {group.title} changed"
            changed_total += len(changed)
            pending, rules = changed, [r for r in rules if _on_membership(r[2])]
        return changed_total

    async def group_renamed(self, old_title: str, group: Group) -> None:
        """Rules and segments naming a renamed group follow it; they would otherwise
        name a group that no longer exists and stop being read."""
        courses, groups = await self._store.rules.catalogue()
        catalogue = Catalogue(courses, {**groups, title_key(old_title): old_title})
        rules = self._store.rules
        for saved in [*await rules.active_group_rules(), *await rules.segments()]:
            try:
                rule = parse(saved.text, catalogue)
            except RuleError:
                continue
            moved = with_group_renamed(rule, old_title, group.title)
            if moved != rule:
                await rules.set_text(saved.id, to_text(moved))

    async def sweep(self, *, dated_only: bool) -> None:
        """Group rules against everyone: those with dates because time moves on with no
        event to say so; all of them at start, in case a change was cut short."""
        for saved, group, rule in await self._active():
            if not dated_only or any(c.attribute in DATED for c in conditions(rule)):
                cause = "scheduled re-evaluation" if dated_only else "re-evaluated at start"
                await self._run(saved, group, cause)

    async def _rounds(self) -> None:
        """The marks are written at once, so a process that dies before its round
        leaves them to another; the round waits a moment for the rest of a burst.

        Without any group rule there is nothing to re-evaluate, and the changes are
        let go: a bulk add of 100,000 people spent a third of its time writing,
        claiming and clearing marks for nothing. A rule set later is evaluated
        against everyone as they are then."""
        while self._dirty:
            try:
                if not await self._store.rules.any_group_rule():
                    self._dirty = {}
                    return
                await self._write_marks()
                await asyncio.sleep(SETTLE_SECONDS)
                await self._write_marks()
                await self.drain()
            except Exception:
                log.exception("re-evaluating changed users failed; their marks wait")

    async def _write_marks(self) -> None:
        batch, self._dirty = self._dirty, {}
        if batch:
            await self._store.rules.mark(batch, self._clock())

    async def drain(self) -> int:
        """Re-evaluates the users marked by any process until none are left; a batch
        is held while it is evaluated (processes share the work) and cleared only
        after (a process that dies mid-round leaves it to another when the hold runs
        out). How many users were re-evaluated."""
        evaluated = 0
        while True:
            now = self._clock()
            held = await self._store.rules.take_marks(now, now + MARK_HOLD, MARKS_PER_ROUND)
            if not held:
                return evaluated
            await self.reevaluate(held)
            await self._store.rules.clear_marks(held, now + MARK_HOLD)
            evaluated += len(held)

    async def _active(self) -> list[tuple[SavedRule, Group, Rule]]:
        """Every group's rule, read; one that names something since renamed or deleted
        is skipped (and `/group rule` says so)."""
        found = []
        courses, groups = await self._store.rules.catalogue()
        for saved in await self._store.rules.active_group_rules():
            group = await self.group_of(saved)
            if group is None:
                continue
            try:
                found.append((saved, group, parse(saved.text, Catalogue(courses, groups))))
            except RuleError:
                log.warning(
                    "rule #%d of %s names something renamed or deleted", saved.id, group.title
                )
        return found

    async def _apply(
        self,
        saved: SavedRule,
        group: Group,
        user_ids: list[int] | None,
        cause: str,
        rule: Rule | None = None,
    ) -> RuleRun:
        rule = rule or await self.parsed(saved, group)
        if rule is None:
            log.warning("rule #%d of %s names something deleted; skipped", saved.id, group.title)
            return RuleRun((), ())
        enabled = await self._mail.enabled()

        def emails(user: User, created: bool, enrolled: list[Course]) -> list[OutgoingEmail]:
            return self._mail.for_new_member(
                enabled, user, group, created=created, enrolled=enrolled
            )

        return await self._store.rules.apply(
            saved.id,
            group.id,
            rule,
            self._clock(),
            user_ids=user_ids,
            cause=cause,
            compose=emails,
        )

    async def parsed(self, saved: SavedRule, group: Group | None) -> Rule | None:
        """A saved rule read back; None when it names a course or group since deleted
        or renamed."""
        try:
            return parse(saved.text, await self.catalogue(group))
        except RuleError:
            return None

    async def group_of(self, saved: SavedRule) -> Group | None:
        """The group a rule is for; None for a segment (or a group since deleted)."""
        return await self._store.groups.get(saved.group_id) if saved.group_id else None

    async def _draft(self, rule_id: int) -> SavedRule:
        saved = await self._store.rules.get(rule_id)
        if saved is None:
            raise RuleNotFound(f"#{rule_id}")
        return saved


def _on_membership(rule: Rule) -> bool:
    """Whether a rule depends on who is in some group, so a membership change matters."""
    return any(c.attribute is Attr.MEMBER for c in conditions(rule))


def _check_target(group: Group | None) -> None:
    if group is not None and group.seat_limit is not None:
        raise RuleError(
            f"{group.title} has a seat limit of {group.seat_limit}, and a rule decides who is "
            "in a group, not how many; put the rule on a group created without a seat limit."
        )
