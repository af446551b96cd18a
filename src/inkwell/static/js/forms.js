// Sends every form marked data-api-form to the JSON API and shows the answer next to it.
//   data-endpoint        the API URL          data-method    POST (default), PUT, PATCH, DELETE
//   data-encoding        json (default), form (urlencoded, the OAuth2 token form), multipart
//   data-redirect        where to go after success; "{id}" and "{url}" take the answer's
// A field marked data-list is sent as a list of its comma-separated values (tags). The
// button that sent the form sends its name and value too (Publish or Save as draft).
//   data-success         the message to show after success instead
//   data-reset-on-success  empty the form after success
//   data-sign-in-after   after success, sign in with the form's username and password
// The form then fires "api-form:saved" (before any redirect) or "api-form:failed" (with the
// answer's status in `detail.status`), for scripts that keep what the form holds.
// Fields marked data-local stay in the page: data-must-match="other-field" or
// data-must-equal="text" check them before anything is sent.
import { api, showFeedback } from "./api.js";

function checkLocalFields(form) {
  for (const input of form.querySelectorAll("[data-local]")) {
    const { mustMatch, mustEqual } = input.dataset;
    let problem = "";
    if (mustMatch !== undefined && input.value !== form.elements[mustMatch].value) {
      problem = "The two passwords are not the same.";
    } else if (mustEqual !== undefined && input.value !== mustEqual) {
      problem = `Type “${mustEqual}” to confirm.`;
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

async function submit(event) {
  const form = event.currentTarget;
  event.preventDefault();
  if (!checkLocalFields(form)) {
    return;
  }
  const box = form.querySelector("[data-feedback]");
  const button = form.querySelector('[type="submit"]');
  const method = form.dataset.method ?? "POST";
  // Read before the button is disabled: a disabled button would send no name and value.
  const payload = method === "DELETE" ? undefined : body(form, event.submitter);
  button.disabled = true;
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
      window.location.assign(redirect);
      return;
    }
    if ("resetOnSuccess" in form.dataset) {
      form.reset();
    }
    showFeedback(box, "success", form.dataset.success ?? "Saved.");
  } catch (error) {
    showFeedback(box, "error", error.detail ?? error.message);
    form.dispatchEvent(new CustomEvent("api-form:failed", { detail: { status: error.status } }));
  } finally {
    button.disabled = false;
  }
}

for (const form of document.querySelectorAll("form[data-api-form]")) {
  form.addEventListener("submit", submit);
  // A corrected field must be able to pass again.
  form.addEventListener("input", (event) => event.target.setCustomValidity?.(""));
}
