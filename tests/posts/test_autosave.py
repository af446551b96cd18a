"""What the editor's autosave relies on (PATCH /api/posts/{id} with `expected_updated_at`): a
save made from the version last read goes through and answers the new version; one made
from an older version is refused with a clear 409, changing nothing, so a newer version is
never overwritten silently; of two saves from one version exactly one wins. On both
databases."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from tests.conftest import Account, Api


@pytest.fixture
async def draft(api: Api, author: Account) -> dict[str, Any]:
    return await api.post(author, status="draft", title="Half a thought", content="First words.")


async def save(
    client: AsyncClient, author: Account, post: dict[str, Any], version: object, **fields: object
) -> Any:
    body = {"expected_updated_at": version, **fields}
    return await client.patch(f"/api/posts/{post['id']}", json=body, headers=author.headers)


async def read(client: AsyncClient, author: Account, post: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/api/posts/{post['id']}", headers=author.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_save_from_the_version_last_read_goes_through_and_answers_the_next(
    client: AsyncClient, author: Account, draft: dict[str, Any]
) -> None:
    first = await save(client, author, draft, draft["updated_at"], content="More words.")
    assert first.status_code == 200, first.text
    second = await save(client, author, draft, first.json()["updated_at"], content="Most words.")
    assert second.status_code == 200, second.text

    saved = await read(client, author, draft)
    assert saved["content"] == "Most words."
    assert saved["updated_at"] == second.json()["updated_at"] != draft["updated_at"]


async def test_a_save_from_an_older_version_is_refused_and_changes_nothing(
    client: AsyncClient, author: Account, draft: dict[str, Any]
) -> None:
    elsewhere = await save(client, author, draft, draft["updated_at"], content="From the phone.")
    assert elsewhere.status_code == 200

    stale = await save(client, author, draft, draft["updated_at"], content="From the laptop.")

    assert stale.status_code == 409
    assert stale.json() == {
        "detail": "This post was changed elsewhere (another tab or device) since you opened "
        "it, so it was not saved: nothing is overwritten. Reload the page to see the newer "
        "version; your text is kept in this browser.",
        "code": "changed_concurrently",
    }
    saved = await read(client, author, draft)
    assert (saved["content"], saved["updated_at"]) == (
        "From the phone.",
        elsewhere.json()["updated_at"],
    )


async def test_of_two_saves_from_one_version_exactly_one_wins(
    client: AsyncClient, author: Account, draft: dict[str, Any]
) -> None:
    answers = await asyncio.gather(
        *(save(client, author, draft, draft["updated_at"], content=f"Tab {i}.") for i in range(4))
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409, 409, 409]
    [winner] = [answer.json() for answer in answers if answer.status_code == 200]
    assert (await read(client, author, draft))["content"] == winner["content"]


async def test_a_save_claims_its_own_post_alone_when_another_has_the_same_version(
    api: Api,
    client: AsyncClient,
    author: Account,
    draft: dict[str, Any],
    session: AsyncSession,
) -> None:
    """Posts written in one moment (an import) share an `updated_at`."""
    twin = await api.post(author, status="draft", title="Its twin")
    same = select(Post.updated_at).where(Post.id == draft["id"]).scalar_subquery()
    await session.execute(update(Post).where(Post.id == twin["id"]).values(updated_at=same))
    await session.commit()
    twin = await read(client, author, twin)

    saved = await save(client, author, draft, draft["updated_at"], content="Only this one.")

    assert saved.status_code == 200, saved.text
    assert twin["updated_at"] == draft["updated_at"]
    assert await read(client, author, twin) == twin


async def test_an_autosave_never_publishes_a_draft(
    client: AsyncClient, author: Account, draft: dict[str, Any]
) -> None:
    saved = await save(client, author, draft, draft["updated_at"], content="Still a draft.")
    assert (saved.json()["status"], saved.json()["published_at"]) == ("draft", None)
    assert (await client.get("/api/posts")).json()["total"] == 0


async def test_a_save_without_a_version_is_taken_as_before(
    client: AsyncClient, author: Account, draft: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/api/posts/{draft['id']}", json={"content": "Plain."}, headers=author.headers
    )
    assert response.status_code == 200


# A version is a date and time with its offset, as `updated_at` is answered.
@pytest.mark.parametrize("version", [None, "yesterday", "", "2026-11-30T08:00:00", [1]])
async def test_a_malformed_version_is_a_422(
    client: AsyncClient, author: Account, draft: dict[str, Any], version: object
) -> None:
    response = await save(client, author, draft, version, content="Words.")
    assert response.status_code == 422
    assert (await read(client, author, draft))["content"] == "First words."


async def test_someone_elses_draft_cannot_be_saved_whatever_the_version(
    client: AsyncClient, api: Api, draft: dict[str, Any]
) -> None:
    stranger = await api.sign_up("stranger")
    response = await save(client, stranger, draft, draft["updated_at"], content="Mine.")
    assert response.status_code == 404
