// Talks to Inkwell's JSON API from the pages, under the cookie and CSRF contract:
// the session cookie goes along (same origin only), and every write repeats the
// `inkwell_csrf` cookie in the X-CSRF-Token header.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function cookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found === undefined ? null : decodeURIComponent(found.slice(prefix.length));
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : `The request failed (${status}).`);
    this.status = status;
    this.detail = detail;
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
    throw new ApiError(response.status, data?.detail ?? `The request failed (${response.status}).`);
  }
  return data;
}

// A 422's detail is a list of {loc, msg}: "password: String should have at least 8 characters".
function describe(problem) {
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
