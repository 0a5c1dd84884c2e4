"""Files in Slack: sharing one where the person asked (or in a direct message
when the bot is not in that channel: Slack answers ``not_in_channel``), and
fetching one a person shared, from Slack's own file hosts only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_people import direct_message
from domain.bulk.sheet import FileRefused, NotTheirFile

_ELSEWHERE = {"not_in_channel", "channel_not_found"}
_UNSEEN = {"file_not_found", "file_deleted"}
_REDIRECTS = {301, 302, 303, 307, 308}
MAX_HOPS = 5
_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)
_NOT_SLACK = "The file does not come from Slack; upload it again in Slack."
_REDIRECTED_AWAY = (
    "Slack sent the download to a host that isn't one of Slack's file hosts, so Roster "
    "didn't follow it. Upload the file again."
)


async def share_file(
    client: AsyncWebClient,
    *,
    channel: str,
    user: str,
    content: bytes,
    filename: str,
    title: str,
    comment: str,
) -> str:
    """Returns the channel the file went to."""
    try:
        await client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            initial_comment=comment,
        )
        return channel
    except SlackApiError as error:
        if error.response.get("error") not in _ELSEWHERE:
            raise
    direct = await direct_message(client, user)
    await client.files_upload_v2(
        channel=direct, content=content, filename=filename, title=title, initial_comment=comment
    )
    return direct


@dataclass(frozen=True)
class FileHosts:
    """Where a file may be fetched from with the bot token, derived from the Web
    API's address: over https, its domain and the domain's subdomains (for
    ``https://slack.com/api/``, files.slack.com and files-origin.slack.com; for
    GovSlack's ``https://slack-gov.com/api/``, files.slack-gov.com); over plain
    http, only a configured API's own host and port (the emulator on loopback)."""

    domain: str
    plain: str | None = None

    @classmethod
    def of(cls, api_url: str) -> FileHosts:
        parts = urlsplit(api_url)
        domain = (parts.hostname or "").lower()
        return cls(domain, parts.netloc.lower() if parts.scheme == "http" else None)

    def allow(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme == "https":
            return bool(self.domain) and (host == self.domain or host.endswith(f".{self.domain}"))
        return parts.scheme == "http" and parts.netloc.lower() == self.plain


@dataclass(frozen=True)
class SharedFile:
    """What ``files.info`` says about a shared file."""

    name: str
    owner: str
    url: str


async def shared_file(
    client: AsyncWebClient, upload: dict[str, Any], *, uploader: str
) -> SharedFile:
    """The file as ``files.info`` describes it, asked every time: a file from a
    Slack Connect workspace arrives as a ``check_file_info`` stub with no URL,
    and the payload's owner is not to be trusted. Refuses a file the bot may
    not see and one that ``uploader`` did not upload."""
    try:
        info = (await client.files_info(file=upload["id"]))["file"]
    except SlackApiError as error:
        if error.response.get("error") not in _UNSEEN:
            raise
        raise FileRefused(
            "Slack doesn't let Roster see this file (it may have been deleted, or shared "
            "where Roster isn't). Upload it in the form from `/group import`, or drop it "
            "into your direct message with Roster."
        ) from None
    owner = str(info.get("user") or "")
    if owner != uploader:
        raise NotTheirFile(owner)
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    return SharedFile(str(info.get("name") or upload.get("name") or "the file"), owner, url)


async def download(url: str, token: str, cap: int, *, hosts: FileHosts) -> bytes:
    """A file a person shared, fetched with the bot token and cut off at ``cap``
    bytes. Redirects are followed by hand, a few at most, and only to ``hosts``:
    the token never goes anywhere else."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with aiohttp.ClientSession(timeout=_TIMEOUT) as session:
            for hop in range(MAX_HOPS + 1):
                if not hosts.allow(url):
                    raise FileRefused(_REDIRECTED_AWAY if hop else _NOT_SLACK)
                async with session.get(url, headers=headers, allow_redirects=False) as answer:
                    if answer.status not in _REDIRECTS:
                        return await _body(answer, cap)
                    url = urljoin(url, answer.headers.get("Location", ""))
    except (TimeoutError, aiohttp.ClientError):
        raise FileRefused(
            "Slack did not hand over the file (the connection failed or stalled); upload it again."
        ) from None
    raise FileRefused("Slack redirected the download too many times; upload the file again.")


async def _body(answer: aiohttp.ClientResponse, cap: int) -> bytes:
    if answer.status != 200 or answer.content_type == "text/html":
        raise FileRefused("Slack did not hand over the file; upload it again.")
    received = bytearray()
    async for chunk in answer.content.iter_chunked(65536):
        received += chunk
        if len(received) > cap:
            raise FileRefused.too_large(cap)
    return bytes(received)
