// Sends every form marked data-api-form to the JSON API and shows the answer next to it.
//   data-endpoint        the API URL          data-method    POST (default), PUT, PATCH, DELETE
//   data-encoding        json (default), form (urlencoded, the OAuth2 token form), multipart
//   data-redirect        where to go after success; "{id}" and "{url}" take the answer's
// A field marked data-list is sent as a list of its comma-separated values (tags). The
// button that sent the form sends its name and value too (Publish or Save as draft).
//   data-success         the message to show after success instead
//   data-reset-on-success  empty the form after success
//   data-done            after success, hide the form and show (and focus) the element of this id
//   data-sign-in-after   after success, sign in with the form's username and password
// The form then fires "api-form:saved" (before any redirect) or "api-form:failed" (with the
// answer's status in `detail.status`), for scripts that keep what the form holds.
// Fields marked data-local stay in the page: data-must-match="other-field" or
// data-must-equal="text" check them before anything is sent. data-must-differ="address" checks
// an email field that is sent: the account's own address (compared trimmed, as the browser
// sends it, in NFC and lower case, as the server stores it) is "already your email", and the
// form is not sent.
// A 422's problems show at their fields (aria-invalid, described by the message under the
// field: the markup the server renders when it answers a form itself, without JavaScript),
// and so does another refusal whose `code` a field lists in data-error-code (a wrong current
// password); the rest show in the form's feedback box. They go when the form is sent again, when the
// browser flags a field, and each one when its field is changed.
import { api, showFeedback, withButtonDisabled } from "./api.js";

function errorId(input) {
  return `${input.id}-error`;
}

function unmark(input) {
  document.getElementById(errorId(input))?.remove();
  input.classList.remove("is-invalid");
  input.removeAttribute("aria-invalid");
  const described = (input.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .filter((id) => id !== "" && id !== errorId(input));
  if (described.length) {
    input.setAttribute("aria-describedby", described.join(" "));
  } else {
    input.removeAttribute("aria-describedby");
  }
}

function mark(input, text) {
  let message = document.getElementById(errorId(input));
  if (message === null) {
    message = document.createElement("div");
    message.id = errorId(input);
    message.className = "invalid-feedback";
    message.dataset.fieldError = "";
    input.after(message);
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${described} ${message.id}` : message.id);
  }
  // Once each: two refused tags are one message at the Tags field.
  if (!message.textContent.includes(text)) {
    message.textContent = message.textContent ? `${message.textContent} ${text}` : text;
  }
  input.classList.add("is-invalid");
  input.setAttribute("aria-invalid", "true");
}

function clearProblems(form) {
  for (const input of form.querySelectorAll('[aria-invalid="true"]')) {
    unmark(input);
  }
  const box = form.querySelector("[data-feedback]");
  box.replaceChildren();
  box.classList.add("d-none");
}

// The visible field a problem names, if any: an item of a list field (`tags.0`) is shown at
// the list's field.
export function fieldOf(form, name) {
  const [whole, item] = name.split(".");
  const input = form.elements.namedItem(whole);
  if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) {
    return null;
  }
  if (input.type === "hidden" || !input.id || (item !== undefined && !("list" in input.dataset))) {
    return null;
  }
  return input;
}

// Marks the fields named by `errors`; answers the problems no visible field of the form shows.
export function markFields(form, errors) {
  const elsewhere = [];
  for (const problem of errors) {
    const input = problem.field ? fieldOf(form, problem.field) : null;
    if (input === null) {
      elsewhere.push(problem);
    } else {
      mark(input, problem.message);
    }
  }
  return elsewhere;
}

// The field that says a refusal of this `code` (its data-error-code lists it), if any.
function fieldFor(form, code) {
  if (!code) {
    return null;
  }
  const fields = form.querySelectorAll("input[data-error-code], textarea[data-error-code]");
  return [...fields].find((input) => input.dataset.errorCode.split(" ").includes(code)) ?? null;
}

function showFailure(form, error) {
  const box = form.querySelector("[data-feedback]");
  const field = error.errors?.length ? null : fieldFor(form, error.code);
  if (field !== null && typeof error.detail === "string") {
    mark(field, error.detail);
    field.focus();
    return;
  }
  if (!error.errors?.length) {
    showFeedback(box, "error", error.detail ?? error.message);
    return;
  }
  const elsewhere = markFields(form, error.errors);
  form.querySelector('[aria-invalid="true"]')?.focus();
  if (elsewhere.length) {
    showFeedback(box, "error", elsewhere);
  }
}

// An email address as the server stores it (users.fields.normalize_email), to compare two;
// the browser trims an email field's value itself.
function storedEmail(address) {
  return address.trim().normalize("NFC").toLowerCase();
}

function checkLocalFields(form) {
  const checked = form.querySelectorAll("[data-must-match], [data-must-equal], [data-must-differ]");
  for (const input of checked) {
    const { mustMatch, mustEqual, mustDiffer } = input.dataset;
    let problem = "";
    if (mustMatch !== undefined && input.value !== form.elements[mustMatch].value) {
      problem = "The two passwords are not the same.";
    } else if (mustEqual !== undefined && input.value !== mustEqual) {
      problem = `Type “${mustEqual}” to confirm.`;
    } else if (mustDiffer !== undefined && storedEmail(input.value) === storedEmail(mustDiffer)) {
      problem = "This is already your email.";
    }
    input.setCustomValidity(problem);
  }
  return form.reportValidity();
}

function body(form, submitter) {
  const data = new FormData(form, submitter?.name ? submitter : undefined);
  for (const input of form.querySelectorAll("[data-local]")) {
    data.delete(input.name);
  }
  const encoding = form.dataset.encoding ?? "json";
  if (encoding === "multipart") {
    return data;
  }
  if (encoding === "form") {
    return new URLSearchParams(data);
  }
  const fields = Object.fromEntries(data);
  for (const input of form.querySelectorAll("[data-list]")) {
    fields[input.name] = input.value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }
  return fields;
}

function signIn(form) {
  const { username, password } = form.elements;
  const credentials = new URLSearchParams({ username: username.value, password: password.value });
  return api("/api/users/token", { method: "POST", body: credentials });
}

// Where data-redirect leads once "{id}" and "{url}" are filled in: a page of this site only.
// The login form's redirect is its `next`, which the address chose, and "/{id}/evil.example"
// fills in as "//evil.example" (another site); that goes home instead.
function onThisSite(redirect) {
  const target = new URL(redirect, window.location.href);
  return target.origin === window.location.origin ? redirect : "/";
}

async function submit(event) {
  const form = event.currentTarget;
  event.preventDefault();
  clearProblems(form);
  if (!checkLocalFields(form)) {
    return;
  }
  const box = form.querySelector("[data-feedback]");
  const button = form.querySelector('[type="submit"]');
  const method = form.dataset.method ?? "POST";
  // Read before the button is disabled: a disabled button would send no name and value.
  const payload = method === "DELETE" ? undefined : body(form, event.submitter);
  await withButtonDisabled(button, async () => {
    try {
      const answer = await api(form.dataset.endpoint, {
        method,
        body: payload,
      });
      if ("signInAfter" in form.dataset) {
        await signIn(form);
      }
      form.dispatchEvent(new CustomEvent("api-form:saved"));
      if (form.dataset.redirect !== undefined) {
        const redirect = form.dataset.redirect
          .replace("{id}", answer?.id ?? "")
          .replace("{url}", answer?.url ?? "/");
        window.location.assign(onThisSite(redirect));
        return;
      }
      if (form.dataset.done !== undefined) {
        const done = document.getElementById(form.dataset.done);
        form.hidden = true;
        done.hidden = false;
        done.focus();
        return;
      }
      if ("resetOnSuccess" in form.dataset) {
        form.reset();
      }
      showFeedback(box, "success", form.dataset.success ?? "Saved.");
    } catch (error) {
      showFailure(form, error);
      form.dispatchEvent(new CustomEvent("api-form:failed", { detail: { status: error.status } }));
    }
  });
}

for (const form of document.querySelectorAll("form[data-api-form]")) {
  form.addEventListener("submit", submit);
  // A corrected field must be able to pass again, and its old message goes.
  form.addEventListener("input", (event) => {
    event.target.setCustomValidity?.("");
    if (event.target.getAttribute?.("aria-invalid") === "true") {
      unmark(event.target);
    }
  });
  // The browser flags a field (`invalid` does not bubble): the server's old messages go.
  form.addEventListener("invalid", () => clearProblems(form), true);
}
