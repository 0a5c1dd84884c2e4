"""Who is calling, and how Slack accounts become school users."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from domain.entities import Actor, Identity, SlackProfile, User, UserStatus
from domain.errors import NotLinkable, Unlinkable
from domain.ports import Store
from domain.ports.hooks import Changed
from domain.validation import normalize_email, normalize_username


async def link_profiles(store: Store, profiles: Collection[SlackProfile]) -> list[User]:
    """School users for these Slack accounts, created or linked by email as needed.
    Every account is checked before any is linked, so a refusal changes nothing."""
    emails = [_profile_email(profile) for profile in profiles]
    return [
        await store.users.link_slack(profile, email=email, admin=False)
        for profile, email in zip(profiles, emails, strict=True)
    ]


def _profile_email(profile: SlackProfile) -> str:
    """The email of an account that may manage groups or be a school admin: a person
    with a full, active Slack account. A deactivated account can't sign in to use what
    it would be given, and a guest sees only the channels it was invited to."""
    if profile.is_bot:
        raise NotLinkable(profile.slack_user_id, Unlinkable.BOT)
    if profile.deleted:
        raise NotLinkable(profile.slack_user_id, Unlinkable.DEACTIVATED)
    if profile.ultra_restricted:
        raise NotLinkable(profile.slack_user_id, Unlinkable.SINGLE_CHANNEL_GUEST)
    if profile.restricted:
        raise NotLinkable(profile.slack_user_id, Unlinkable.MULTI_CHANNEL_GUEST)
    if not profile.email:
        raise NotLinkable(profile.slack_user_id, Unlinkable.NO_EMAIL)
    return normalize_email(profile.email)


class UserService:
    def __init__(self, store: Store, *, changed: Changed, env_admins: Iterable[str] = ()) -> None:
        self._store = store
        self._changed = changed
        self._env_admins = frozenset(env_admins)

    async def actor(self, slack_user_id: str) -> Actor:
        """Reads roles and grants from the database on every request, so removing a
        manager or a capability takes effect on the very next one."""
        user = await self._store.users.by_slack_id(slack_user_id)
        return await self._actor_of(slack_user_id, user)

    async def link_caller(self, profile: SlackProfile) -> Actor:
        """The actor for a caller with no school user yet.

        They are linked to the school user with their Slack email, if there is
        one. Being in the Slack workspace does not make anyone part of the
        school, so nobody is created, except the admins named in settings, who
        get a school user (not an admin flag: settings stay the source of that)
        so that what they change is recorded under their name.
        """
        if profile.is_bot or not profile.email:
            return Actor(profile.slack_user_id, None, profile.slack_user_id in self._env_admins)
        email = normalize_email(profile.email)
        users = self._store.users
        user: User | None
        if profile.slack_user_id in self._env_admins:
            linked = await users.link_slack(profile, email=email, admin=False)
            self._changed([linked.id], "an admin's first request")
            user = linked
        else:
            user = await users.link_existing(profile.slack_user_id, email)
        return await self._actor_of(profile.slack_user_id, user)

    async def _actor_of(self, slack_user_id: str, user: User | None) -> Actor:
        """Admins may do everything, so their grants and groups are not read. Someone
        whose Slack account is deactivated may do nothing: their roles are paused,
        and their groups and grants kept, until the account is back."""
        if user is not None and user.slack_deactivated_at is not None:
            return Actor(slack_user_id, user.id, is_admin=False)
        is_admin = slack_user_id in self._env_admins or bool(user and user.is_admin)
        if user is None or is_admin:
            return Actor(slack_user_id, user.id if user else None, is_admin)
        managed, capabilities = await self._store.users.roles(user.id)
        return Actor(
            slack_user_id=slack_user_id,
            user_id=user.id,
            is_admin=is_admin,
            managed_group_ids=managed,
            capabilities=capabilities,
        )

    async def whoami(self, actor: Actor) -> Identity:
        """Anyone may ask who Roster thinks they are, linked or not."""
        user = await self._store.users.by_slack_id(actor.slack_user_id)
        titles = await self._store.groups.titles(actor.managed_group_ids) if user else []
        return Identity(
            actor=actor,
            user=user,
            group_titles=tuple(sorted(titles, key=str.casefold)),
            admin_from_settings=actor.slack_user_id in self._env_admins,
        )

    async def make_admin(self, profile: SlackProfile) -> User:
        """Used by the command line, which is trusted: whoever runs it owns the school."""
        return await self._store.users.link_slack(
            profile, email=_profile_email(profile), admin=True
        )

    async def create_learner(self, *, email: str, username: str | None = None) -> User:
        """A school user outside any group, as the course player's sign-up would make."""
        clean = normalize_email(email)
        user = await self._store.users.create(
            email=clean,
            username=normalize_username(username, email=clean),
            status=UserStatus.ACTIVE,
        )
        self._changed([user.id], "joined the school")
        return user

    async def admin_slack_ids(self) -> list[str]:
        """Who to ask when a capability is missing: admins whose Slack account is active."""
        stored = [
            u.slack_user_id
            for u in await self._store.users.admins()
            if u.slack_user_id and u.slack_deactivated_at is None
        ]
        paused = await self._store.users.deactivated_among(self._env_admins)
        return sorted(set(stored) | (self._env_admins - paused))
