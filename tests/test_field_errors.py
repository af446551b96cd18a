"""A 422 says what is wrong field by field in plain words (`errors`), beside the list of
pydantic's problems (`detail`) and the `code` that today's clients read."""

from typing import Annotated, Any

import pytest
from httpx import AsyncClient
from pydantic import BaseModel, Field, ValidationError, field_validator

from inkwell.field_errors import FieldCode, field_error
from inkwell.users.fields import PictureAddress
from inkwell.users.rows import Account
from inkwell.users.schemas import UserUpdate
from tests.conftest import PASSWORD
from tests.factories import Factory


class _Picture(BaseModel):
    image: PictureAddress


async def _register(client: AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD, **fields}
    response = await client.post("/api/users", json=body)
    assert response.status_code == 422
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_common_password_is_refused_in_plain_words_at_its_field(
    client: AsyncClient,
) -> None:
    answer = await _register(client, password="password123")
    assert answer["errors"] == [
        {
            "field": "password",
            "code": "common_password",
            "message": "Choose a less common password: this one is among the first that "
            "attackers try.",
        }
    ]


async def test_an_invalid_email_is_refused_in_plain_words_at_its_field(
    client: AsyncClient,
) -> None:
    answer = await _register(client, email="ada@")
    assert answer["errors"] == [
        {
            "field": "email",
            "code": "email_invalid",
            "message": "Enter a valid email address, such as name@example.com.",
        }
    ]


async def test_an_invalid_email_tells_a_program_why_in_the_validators_words(
    client: AsyncClient,
) -> None:
    answer = await _register(client, email="ada@")
    [problem] = answer["detail"]
    assert problem["msg"] == (
        "Value error, not a valid email address: There must be something after the @-sign."
    )


def test_a_picture_address_off_the_web_asks_for_one_starting_with_https() -> None:
    with pytest.raises(ValidationError) as raised:
        _Picture.model_validate({"image": "javascript:alert(1)"})
    [error] = raised.value.errors()
    assert error["msg"] == "Value error, must be an absolute http or https address"
    assert field_error(error).model_dump(mode="json") == {
        "field": "image",
        "code": "invalid_format",
        "message": "Enter the picture's web address, starting with https://.",
    }


NOTHING_SAID = " \u200b "
# Marks with no letter to mark: an acute accent and an enclosing circle.
MARKS_ALONE = "\u0301\u20dd"


@pytest.mark.parametrize("nothing", [NOTHING_SAID, MARKS_ALONE], ids=["blank", "marks"])
@pytest.mark.parametrize(
    ("path", "body", "message"),
    [("/api/posts", {"title": "{nothing}", "content": "Words"},
      "Write the title on one line, with something visible in it."),
     ("/api/posts", {"title": "A title", "subtitle": "{nothing}", "content": "Words"},
      "Write the subtitle on one line, with something visible in it, or leave it empty."),
     ("/api/posts", {"title": "A title", "content": "{nothing}"},
      "Write something: spaces and invisible characters alone do not count."),
     ("/api/posts/{post}/comments", {"body": "{nothing}"},
      "A comment needs a few words (blank ones do not count)."),
     ("/api/reports", {"post_id": "{post}", "reason": "{nothing}"},
      "Say in a few words what is wrong (blank ones do not count).")],
    ids=["title", "subtitle", "content", "body", "reason"],
)  # fmt: skip
async def test_text_that_says_nothing_is_refused_in_plain_words(
    *,
    client: AsyncClient,
    factory: Factory,
    author: Account,
    path: str,
    body: dict[str, str],
    message: str,
    nothing: str,
) -> None:
    post = await factory.post(author)
    said = {
        name: int(post["id"]) if value == "{post}" else value.replace("{nothing}", nothing)
        for name, value in body.items()
    }
    reason = {"reason": nothing * 10} if "reason" in body else {}  # past the minimum length

    response = await client.post(
        path.format(post=post["id"]), json=said | reason, headers=author.headers
    )

    [field] = [name for name, value in body.items() if value == "{nothing}"]
    assert response.json()["errors"] == [
        {"field": field, "code": "invalid_format", "message": message}
    ]


async def test_marks_alone_are_described_in_the_detail_as_a_pattern_mismatch(
    client: AsyncClient, author: Account
) -> None:
    """The old shape's `detail` keeps its technical wording, as for any pattern."""
    response = await client.post(
        "/api/posts", json={"title": MARKS_ALONE, "content": "Words"}, headers=author.headers
    )

    [problem] = response.json()["detail"]
    assert (problem["type"], problem["msg"]) == (
        "string_pattern_mismatch",
        "String should show something: not only spaces, invisible characters and marks with "
        "no letter to mark",
    )


async def test_a_mark_on_a_letter_shows_something(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    """An accent written apart from its letter (e and U+0301, é decomposed)."""
    response = await client.post(
        "/api/posts", json={"title": "e\u0301", "content": "e\u0301"}, headers=author.headers
    )

    assert response.status_code == 201, response.text


async def test_the_old_fields_of_a_422_remain(client: AsyncClient) -> None:
    answer = await _register(client, password="password123")
    assert answer["code"] == "validation_failed"
    [problem] = answer["detail"]
    assert problem["loc"] == ["body", "password"]
    assert problem["type"] == "value_error"
    assert problem["msg"] == "Value error, is one of the most common passwords; choose another"


async def test_every_problem_of_a_request_has_its_own_entry(client: AsyncClient) -> None:
    answer = await _register(client, username="", email="nope", password="short")
    assert {(error["field"], error["code"]) for error in answer["errors"]} == {
        ("username", "too_short"),
        ("email", "email_invalid"),
        ("password", "too_short"),
    }
    assert len(answer["errors"]) == len(answer["detail"])


async def test_a_too_short_password_says_how_long_it_must_be(client: AsyncClient) -> None:
    answer = await _register(client, password="short")
    assert answer["errors"][0]["message"] == "Use at least 8 characters."


async def test_a_missing_field_asks_to_fill_it_in(client: AsyncClient) -> None:
    response = await client.post("/api/users", json={"username": "ada", "password": PASSWORD})
    assert response.json()["errors"] == [
        {"field": "email", "code": "required", "message": "Fill in this field."}
    ]


async def test_a_username_of_other_characters_names_the_allowed_ones(client: AsyncClient) -> None:
    answer = await _register(client, username="ada lovelace")
    assert answer["errors"] == [
        {
            "field": "username",
            "code": "invalid_format",
            "message": "Use only letters, digits, “_”, “.” and “-”, and not dots alone.",
        }
    ]


async def test_a_query_parameter_is_named_without_its_location(client: AsyncClient) -> None:
    response = await client.get("/api/posts", params={"limit": "1000"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "limit", "code": "too_large", "message": "Use a number of at most 100."}
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [({"username": 5}, "username", "Use text."),
     ({"password": True}, "password", "Use text."),
     ([1, 2], None, "Use an object.")],
)  # fmt: skip
async def test_a_value_of_the_wrong_kind_says_what_kind_to_use(
    client: AsyncClient, body: object, field: str | None, message: str
) -> None:
    response = await client.post("/api/users", json=body)
    assert response.status_code == 422
    assert {"field": field, "code": "invalid_type", "message": message} in response.json()["errors"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [("int_parsing", "Use a whole number."), ("int_type", "Use a whole number."),
     ("float_parsing", "Use a number."), ("decimal_type", "Use a number."),
     ("bool_parsing", "Use true or false."), ("string_type", "Use text."),
     ("list_type", "Use a list."), ("dict_type", "Use an object."),
     ("model_type", "Use an object."), ("model_attributes_type", "Use an object."),
     ("datetime_parsing", "This is not the kind of value expected here.")],
)  # fmt: skip
def test_each_kind_of_value_is_asked_for_by_name(kind: str, message: str) -> None:
    error = {"type": kind, "loc": ("body", "value"), "msg": "Input should be valid"}
    assert field_error(error).model_dump() == {
        "field": "value",
        "code": FieldCode.INVALID_TYPE,
        "message": message,
    }


async def test_a_number_in_the_query_that_is_no_number_asks_for_a_whole_one(
    client: AsyncClient,
) -> None:
    response = await client.get("/api/posts", params={"limit": "many"})
    assert response.json()["errors"] == [
        {"field": "limit", "code": "invalid_type", "message": "Use a whole number."}
    ]


async def test_an_unreadable_body_is_one_error_about_the_whole_request(
    client: AsyncClient,
) -> None:
    response = await client.post(
        "/api/users", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] is None
    assert error["code"] == "body_unreadable"


def test_the_current_password_check_of_an_update_speaks_about_that_field() -> None:
    with pytest.raises(ValidationError) as raised:
        UserUpdate.model_validate({"email": "new@example.com"})
    [error] = raised.value.errors()
    assert field_error(error).model_dump() == {
        "field": "current_password",
        "code": FieldCode.CURRENT_PASSWORD_REQUIRED,
        "message": "Enter your current password to change your email.",
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"title": ""}, "title"), ({"tags": ["ok", "x" * 121]}, "tags.1"),
     ({"status": "gone"}, "status")],
)  # fmt: skip
async def test_a_partial_update_names_the_field_itself_in_one_error(
    client: AsyncClient, factory: Factory, author: Account, fields: dict[str, Any], field: str
) -> None:
    post = await factory.post(author)

    response = await client.patch(f"/api/posts/{post['id']}", json=fields, headers=author.headers)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_a_null_in_a_partial_update_is_refused_at_each_field_sent_so(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    post = await factory.post(author)

    response = await client.patch(
        f"/api/posts/{post['id']}", json={"title": None, "tags": None}, headers=author.headers
    )

    assert response.status_code == 422
    message = "Leave this field out to keep it as it is: it cannot be null."
    assert response.json()["errors"] == [
        {"field": "title", "code": "null_refused", "message": message},
        {"field": "tags", "code": "null_refused", "message": message},
    ]
    assert {problem["msg"] for problem in response.json()["detail"]} == {
        "Value error, may be left out but not null"
    }


def test_a_field_an_update_may_leave_out_is_checked_as_itself() -> None:
    with pytest.raises(ValidationError) as raised:
        UserUpdate.model_validate({"username": ""})
    [error] = raised.value.errors()
    assert field_error(error).model_dump() == {
        "field": "username",
        "code": FieldCode.TOO_SHORT,
        "message": "Fill in this field.",
    }


async def test_a_field_an_update_may_leave_out_is_documented_without_null(
    client: AsyncClient,
) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    title = schemas["PostPatch"]["properties"]["title"]
    assert title["type"] == "string"
    assert "anyOf" not in title


async def test_the_openapi_document_describes_the_field_errors(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    validation = schemas["HTTPValidationError"]
    assert {"code", "errors"} <= set(validation["required"])
    items = validation["properties"]["errors"]["items"]
    assert items == {"$ref": "#/components/schemas/FieldError"}
    assert set(schemas["FieldError"]["properties"]) == {"field", "code", "message"}
    assert "common_password" in schemas["FieldCode"]["enum"]


async def test_the_conduit_api_keeps_its_own_error_shape(client: AsyncClient) -> None:
    response = await client.post("/conduit/api/users", json={"user": {"username": "ada"}})
    assert response.status_code == 422
    assert set(response.json()) == {"errors"}
    assert isinstance(response.json()["errors"], dict)


class Sample(BaseModel):
    """A model whose rules make each of pydantic's errors the messages speak of."""

    title: str = Field(min_length=1)
    code: str = Field(default="abc", min_length=3)
    tags: list[Annotated[str, Field(max_length=3)]] = Field(default=[], max_length=2)
    pair: list[str] = Field(default=["a", "b"], min_length=2)
    at_least: int = Field(default=1, ge=1)
    above: int = Field(default=1, gt=0)
    at_most: int = Field(default=1, le=9)
    below: int = Field(default=1, lt=10)
    colour: str = Field(default="red", pattern="^[a-z]+$")
    answer: str = "yes"

    @field_validator("answer")
    @classmethod
    def _an_answer(cls, value: str) -> str:
        if value in {"no", "never."}:
            raise ValueError(f"{value.removesuffix('.')} is no answer.")
        if value == "maybe":
            raise AssertionError("maybe is no answer")  # as a failed `assert` raises it
        return value


def refused(**fields: Any) -> dict[str, Any]:
    """The one field error a Sample with these fields gets."""
    with pytest.raises(ValidationError) as raised:
        Sample.model_validate({"title": "A title", **fields})
    [error] = raised.value.errors()
    answer: dict[str, Any] = field_error(error).model_dump(mode="json")
    return answer


def test_a_field_that_needs_one_character_asks_to_be_filled_in() -> None:
    assert refused(title="") == {
        "field": "title",
        "code": "too_short",
        "message": "Fill in this field.",
    }


def test_a_field_that_needs_more_characters_says_how_many() -> None:
    assert refused(code="ab")["message"] == "Use at least 3 characters."


def test_an_item_of_a_list_is_named_by_its_place() -> None:
    assert refused(tags=["ok", "long"]) == {
        "field": "tags.1",
        "code": "too_long",
        "message": "Use at most 3 characters.",
    }


def test_a_list_too_long_says_how_many_items_it_may_hold() -> None:
    assert refused(tags=["a", "b", "c"]) == {
        "field": "tags",
        "code": "too_long",
        "message": "Give at most 2 of them.",
    }


def test_a_list_too_short_says_how_many_items_it_needs() -> None:
    assert refused(pair=["a"]) == {
        "field": "pair",
        "code": "too_short",
        "message": "Give at least 2 of them.",
    }


def test_a_field_out_of_its_form_with_no_words_of_its_own_is_told_so_plainly() -> None:
    assert refused(colour="Red!") == {
        "field": "colour",
        "code": "invalid_format",
        "message": "Write something here, in the expected form.",
    }


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [({"at_least": 0}, "too_small", "Use a number of at least 1."),
     ({"above": 0}, "too_small", "Use a number greater than 0."),
     ({"at_most": 10}, "too_large", "Use a number of at most 9."),
     ({"below": 10}, "too_large", "Use a number less than 10.")],
)  # fmt: skip
def test_a_number_out_of_bounds_names_its_bound(
    fields: dict[str, int], code: str, message: str
) -> None:
    [field] = fields
    assert refused(**fields) == {"field": field, "code": code, "message": message}


@pytest.mark.parametrize(
    ("answer", "message"),
    [("no", "No is no answer."),
     ("never.", "Never is no answer."),
     ("maybe", "Maybe is no answer.")],
)  # fmt: skip
def test_a_validators_own_refusal_reads_as_one_sentence(answer: str, message: str) -> None:
    assert refused(answer=answer) == {"field": "answer", "code": "invalid", "message": message}
