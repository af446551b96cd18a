"""What a form posted without JavaScript is told when it is refused: the form again, with what
was typed in it (never a password), each problem at its field and the others above the form,
answered with the API's status (and a 429's Retry-After). The account pages' forms and the
signing-in ones share it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from inkwell.errors import DomainError, ErrorCode
from inkwell.field_errors import field_error
from inkwell.users.rows import Account
from inkwell.web.common import render

# A field of a form posted without JavaScript: missing or too long, it is the form's own
# check that says so at the field (a page route's validation error would be a 404 page).
FormText = Annotated[str, Form()]

# Where a refusal of the service is shown on the form: at a field, or (None) above the form.
_PROBLEM_FIELDS = {
    ErrorCode.CURRENT_PASSWORD_INCORRECT: "current_password",
    ErrorCode.USERNAME_TAKEN: "username",
    ErrorCode.USERNAME_TOO_SIMILAR: "username",
    ErrorCode.EMAIL_TAKEN: "email",
    # What is wrong with a picture is said at the file chosen.
    ErrorCode.UPLOAD_INVALID: "file",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "file",
    ErrorCode.IMAGE_UNREADABLE: "file",
}
_PROBLEM_MESSAGES = {
    ErrorCode.USERNAME_TAKEN: "This username is taken. Choose another.",
    ErrorCode.USERNAME_TOO_SIMILAR: "This username looks too much like an existing one. "
    "Choose another.",
    ErrorCode.EMAIL_TAKEN: "An account already uses this email. Sign in, or reset its "
    "password from the sign-in page.",
}


@dataclass(frozen=True, slots=True)
class Refused:
    """What a form posted without JavaScript is told of a refusal: problems by field, the
    others (above the form), and the answer's status and headers (a 429's Retry-After)."""

    errors: dict[str, str]
    problems: list[str]
    status: int
    headers: Mapping[str, str] | None = None


def told_of(refusal: ValidationError | DomainError) -> Refused:
    errors: dict[str, str] = {}
    problems: list[str] = []
    if isinstance(refusal, ValidationError):
        for problem in map(field_error, refusal.errors()):
            if problem.field is None:
                problems.append(problem.message)
            else:
                errors.setdefault(problem.field, problem.message)
        return Refused(errors, problems, 422)
    message = _PROBLEM_MESSAGES.get(refusal.code, refusal.detail)
    if (name := _PROBLEM_FIELDS.get(refusal.code)) is not None:
        errors[name] = message
    else:
        problems.append(message)
    return Refused(errors, problems, refusal.status_code, refusal.headers)


# A new password is typed twice; forms.js compares them before sending, the server when the
# form comes without JavaScript.
NOT_THE_SAME = Refused({"password_confirm": "The two passwords are not the same."}, [], 422)


def form_again(
    request: Request,
    template: str,
    refusal: ValidationError | DomainError,
    context: Mapping[str, object],
    *,
    current_user: Account | None = None,
) -> HTMLResponse:
    """The form again, what was typed in it kept (never a password), each problem at its
    field and the others above the form."""
    told = told_of(refusal)
    page = {**context, "errors": told.errors, "problems": told.problems}
    return render(
        request,
        template,
        page,
        current_user=current_user,
        status_code=told.status,
        headers=told.headers,
    )
