from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import PASSWORD, Api


async def test_registration_returns_the_private_profile(client: AsyncClient) -> None:
    response = await client.post(
        "/api/users", json={"username": "ada", "email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "ada"
    assert body["email"] == "ada@example.com"
    assert body["image_path"] == "/static/img/default-avatar.svg"
    assert "password" not in body
    assert "password_hash" not in body


async def test_registration_stores_an_argon2_hash_not_the_password(
    api: Api, session: AsyncSession
) -> None:
    await api.register("ada")
    stored = await session.scalar(select(User.password_hash).where(User.username == "ada"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_email_is_stored_in_lower_case(api: Api) -> None:
    user = await api.register("ada", email="Ada.Lovelace@Example.COM")
    assert user["email"] == "ada.lovelace@example.com"


async def test_a_taken_username_is_a_conflict_whatever_its_case(
    api: Api, client: AsyncClient
) -> None:
    await api.register("ada")
    response = await client.post(
        "/api/users", json={"username": "ADA", "email": "other@example.com", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "This username is already taken", "code": "username_taken"}


async def test_a_taken_email_is_a_conflict_whatever_its_case(api: Api, client: AsyncClient) -> None:
    await api.register("ada")
    response = await client.post(
        "/api/users", json={"username": "bob", "email": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "This email is already registered", "code": "email_taken"}


async def test_public_profile_never_shows_the_email(api: Api, client: AsyncClient) -> None:
    user = await api.register("ada")
    response = await client.get(f"/api/users/{user['id']}")
    assert response.status_code == 200
    assert response.json() == {
        "id": user["id"],
        "username": "ada",
        "display_name": None,
        "image_path": "/static/img/default-avatar.svg",
        "follower_count": 0,
        "following_count": 0,
        "following": False,
        "url": "/@ada",
        "bio": None,
        "created_at": user["created_at"],
        "post_count": 0,
    }


async def test_unknown_user_is_not_found(client: AsyncClient) -> None:
    response = await client.get("/api/users/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found", "code": "user_not_found"}


async def test_the_username_can_be_changed(api: Api, client: AsyncClient) -> None:
    user = await api.sign_up("ada")
    response = await client.patch(
        f"/api/users/{user.id}", json={"username": "countess"}, headers=user.headers
    )
    assert response.status_code == 200
    assert response.json()["username"] == "countess"


async def test_changing_to_a_taken_username_is_a_conflict(api: Api, client: AsyncClient) -> None:
    await api.register("ada")
    bob = await api.sign_up("bob")
    response = await client.patch(
        f"/api/users/{bob.id}", json={"username": "Ada"}, headers=bob.headers
    )
    assert response.status_code == 409


async def test_keeping_ones_own_username_is_not_a_conflict(api: Api, client: AsyncClient) -> None:
    ada = await api.sign_up("ada")
    response = await client.patch(
        f"/api/users/{ada.id}", json={"username": "ada"}, headers=ada.headers
    )
    assert response.status_code == 200


async def test_recasing_ones_own_username_is_not_a_conflict(api: Api, client: AsyncClient) -> None:
    """Names compare without case: "Ada" is taken by "ada", but not for "ada" herself."""
    ada = await api.sign_up("ada")
    response = await client.patch(
        f"/api/users/{ada.id}", json={"username": "Ada"}, headers=ada.headers
    )
    assert response.status_code == 200
    assert response.json()["username"] == "Ada"


async def test_password_change_requires_the_current_password(api: Api, client: AsyncClient) -> None:
    user = await api.sign_up("ada")
    response = await client.patch(
        f"/api/users/{user.id}", json={"password": "a new password"}, headers=user.headers
    )
    assert response.status_code == 422
    assert "current_password" in response.json()["detail"][0]["msg"]


async def test_password_change_refuses_a_wrong_current_password(
    api: Api, client: AsyncClient, session: AsyncSession
) -> None:
    user = await api.sign_up("ada")
    before = await session.scalar(select(User.password_hash).where(User.id == user.id))
    response = await client.patch(
        f"/api/users/{user.id}",
        json={"password": "a new password", "current_password": "not the password"},
        headers=user.headers,
    )
    assert response.status_code == 400
    after = await session.scalar(select(User.password_hash).where(User.id == user.id))
    assert after == before


async def test_password_change_with_the_current_password_stores_a_new_hash(
    api: Api, client: AsyncClient, session: AsyncSession
) -> None:
    user = await api.sign_up("ada")
    before = await session.scalar(select(User.password_hash).where(User.id == user.id))
    response = await client.patch(
        f"/api/users/{user.id}",
        json={"password": "a new password", "current_password": PASSWORD},
        headers=user.headers,
    )
    assert response.status_code == 200
    after = await session.scalar(select(User.password_hash).where(User.id == user.id))
    assert after != before


async def test_deleting_a_user_deletes_their_posts(
    api: Api, client: AsyncClient, session: AsyncSession
) -> None:
    ada = await api.sign_up("ada")
    bob = await api.sign_up("bob")
    await api.post(ada)
    await api.post(ada)
    kept = await api.post(bob)
    response = await client.delete(f"/api/users/{ada.id}", headers=ada.headers)
    assert response.status_code == 204
    assert (await client.get(f"/api/users/{ada.id}")).status_code == 404
    remaining = (await session.scalars(select(Post.id))).all()
    assert remaining == [kept["id"]]


async def test_deleting_an_unknown_user_is_not_found(client: AsyncClient, api: Api) -> None:
    someone = await api.sign_up("someone")
    assert (await client.delete("/api/users/12345", headers=someone.headers)).status_code == 404
