// Talks to Inkwell's JSON API from the pages, under the cookie and CSRF contract:
// the session cookie goes along (same origin only), and every write repeats the
// `inkwell_csrf` cookie in the X-CSRF-Token header.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function cookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found === undefined ? null : decodeURIComponent(found.slice(prefix.length));
}

// `errors`: a 422's problems field by field, [{field, code, message}] in plain words;
// `code`: what any other refusal is, for a program (its `detail` is for people).
export class ApiError extends Error {
  constructor(status, detail, errors = [], code = null) {
    super(typeof detail === "string" ? detail : `The request failed (${status}).`);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
    this.code = code;
  }
}

// body: a plain object (sent as JSON), URLSearchParams or FormData (sent as they are).
export async function api(url, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const csrf = cookie("inkwell_csrf");
  if (!SAFE_METHODS.has(method) && csrf !== null) {
    headers["X-CSRF-Token"] = csrf;
  }
  let payload = body;
  if (body !== undefined && !(body instanceof URLSearchParams || body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "Inkwell could not be reached. Check your connection and try again.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data?.detail ?? `The request failed (${response.status}).`;
    const errors = Array.isArray(data?.errors) ? data.errors : [];
    throw new ApiError(response.status, detail, errors, data?.code ?? null);
  }
  return data;
}

// A problem no field of the form shows: {field, message} from a 422's `errors`, or an old
// {loc, msg} from its `detail`.
function describe(problem) {
  if (problem.message !== undefined) {
    return problem.message;
  }
  const where = (problem.loc ?? []).filter((part) => part !== "body" && part !== "query");
  return where.length ? `${where.join(".")}: ${problem.msg}` : problem.msg;
}

// Shows the outcome in a form's feedback box, always as text, never as markup.
export function showFeedback(box, kind, detail) {
  box.replaceChildren();
  box.classList.remove("d-none", "alert-success", "alert-danger");
  box.classList.add(kind === "success" ? "alert-success" : "alert-danger");
  if (Array.isArray(detail)) {
    const list = document.createElement("ul");
    list.className = "mb-0 ps-3";
    for (const problem of detail) {
      const item = document.createElement("li");
      item.textContent = describe(problem);
      list.append(item);
    }
    box.append(list);
  } else {
    box.textContent = detail;
  }
}

// Runs `work` with `button` disabled (no second send meanwhile). Disabled, the button loses
// the focus to the page: it gets it back after, so that a keyboard carries on from the form
// (a heart, a Follow, a Save), not from the top of the page.
export async function withButtonDisabled(button, work) {
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
    if (hadFocus && document.activeElement === document.body) {
      button.focus();
    }
  }
}
