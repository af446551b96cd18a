// The Markdown editor of the new and edit post forms (_forms.html's markdown_editor):
// Preview asks the server to render the text (the renderer that publishing uses, so what
// shows is what will be published), and Insert picture uploads one and puts
// ![description](url) at the cursor.
//
// It never loses text: what is typed is kept in this browser (localStorage, per form and, for
// a new post, per writer) until the server has it, and put back if the page is left, closed
// or reloaded first; leaving with unsaved text asks first; a save refused because the session
// has ended keeps the text and offers to sign in in another tab, then to save again from here.
import { api } from "./api.js";
import { fieldOf, markFields } from "./forms.js";

function message(text) {
  const paragraph = document.createElement("p");
  paragraph.className = "text-body-secondary mb-0";
  paragraph.textContent = text;
  return paragraph;
}

// A file name as a picture's description: no extension, nothing that ends Markdown's brackets.
function describe(file) {
  const name = file.name.replace(/\.[^.]*$/, "").replace(/[[\]\\]/g, " ").trim();
  return name || "picture";
}

function setUp(editor) {
  const source = editor.querySelector("[data-editor-source]");
  const preview = editor.querySelector("[data-editor-preview]");
  const modes = editor.querySelectorAll("[data-editor-mode]");
  const pick = editor.querySelector("[data-editor-pick]");
  const picker = editor.querySelector("[data-editor-upload]");
  const status = editor.querySelector("[data-editor-status]");

  function show(mode) {
    for (const button of modes) {
      const active = button.dataset.editorMode === mode;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", String(active));
    }
    source.hidden = mode !== "write";
    preview.hidden = mode === "write";
  }

  async function showPreview() {
    show("preview");
    if (!source.value.trim()) {
      preview.replaceChildren(message("Nothing to preview yet."));
      return;
    }
    preview.setAttribute("aria-busy", "true");
    try {
      const { html } = await api("/api/markdown/preview", {
        method: "POST",
        body: { content: source.value },
      });
      // Sanitized by the server against its allowlist, as a published post is.
      preview.innerHTML = html;
    } catch (error) {
      preview.replaceChildren(message(error.message));
    } finally {
      preview.removeAttribute("aria-busy");
    }
  }

  async function upload() {
    const [file] = picker.files;
    if (!file) {
      return;
    }
    const body = new FormData();
    body.append("file", file);
    pick.disabled = true;
    status.textContent = "Uploading…";
    try {
      const { url } = await api("/api/uploads", { method: "POST", body });
      show("write");
      source.focus();
      const markdown = `![${describe(file)}](${url})`;
      source.setRangeText(markdown, source.selectionStart, source.selectionEnd, "end");
      source.dispatchEvent(new Event("input", { bubbles: true }));
      status.textContent = "Picture inserted.";
    } catch (error) {
      status.textContent = error.message;
    } finally {
      pick.disabled = false;
      picker.value = "";
    }
  }

  for (const button of modes) {
    const mode = button.dataset.editorMode;
    button.addEventListener("click", () => (mode === "preview" ? showPreview() : show("write")));
  }
  pick.addEventListener("click", () => picker.click());
  picker.addEventListener("change", upload);
  // The browser checks a form before sending it and cannot point at a hidden field.
  source.form?.querySelector('[type="submit"]')?.addEventListener("click", () => show("write"));
}

const KEPT_PREFIX = "inkwell:unsaved:";
const KEPT_FIELDS = ["title", "content", "tags"];
const KEEP_AFTER_MS = 500;

// The browser's storage may be off or full: the text then stays in the page only.
const kept = {
  read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) ?? "null");
    } catch {
      return null;
    }
  },
  write(key, values) {
    try {
      window.localStorage.setItem(key, JSON.stringify(values));
    } catch {
      // Nothing more to do: the page still holds the text.
    }
  },
  forget(key) {
    try {
      window.localStorage.removeItem(key);
    } catch {
      // As above.
    }
  },
};

function notice(form, text, action) {
  const box = document.createElement("div");
  box.className = "alert alert-info d-flex flex-wrap align-items-center gap-2 py-2";
  box.setAttribute("role", "status");
  box.dataset.editorNotice = "";
  const words = document.createElement("span");
  words.textContent = text;
  box.append(words);
  if (action) {
    box.append(action);
  }
  form.querySelector("[data-editor-notice]")?.remove();
  form.prepend(box);
  return box;
}

function signInLink() {
  const link = document.createElement("a");
  link.href = "/login";
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = "Sign in (in a new tab)";
  return link;
}

// Where the form saves: its endpoint and method, and the version of the post it last saw
// (expected_updated_at, which forms.js sends along), when there is one.
function aim(form, { endpoint, method, version }) {
  form.dataset.endpoint = endpoint;
  form.dataset.method = method;
  let field = form.elements.expected_updated_at;
  if (version === undefined) {
    field?.remove();
    return;
  }
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "expected_updated_at";
    form.append(field);
  }
  field.value = version;
}

function keepUnsaved(form) {
  const { endpoint, method = "POST", keptFor } = form.dataset;
  // A form every writer opens (a new post's) keeps each one's text apart (data-kept-for,
  // their id): whoever signs in next on a shared browser must not be handed it.
  const writer = keptFor === undefined ? "" : `${keptFor}:`;
  const key = `${KEPT_PREFIX}${writer}${method} ${endpoint}`;
  const fields = KEPT_FIELDS.map((name) => form.elements[name]).filter(Boolean);
  const values = () => Object.fromEntries(fields.map((field) => [field.name, field.value]));
  // Once a new post's autosave has made it a draft, the text belongs to that draft: kept with
  // it (and the version last seen), it comes back to it rather than to a second post.
  const record = () => {
    if (method !== "POST" || form.dataset.method !== "PATCH") {
      return values();
    }
    const version = form.elements.expected_updated_at.value;
    return { ...values(), draft: form.dataset.endpoint, version };
  };
  const fill = (from) => {
    for (const field of fields) {
      field.value = from[field.name] ?? field.value;
    }
  };
  const saved = values();
  let unsaved = false;
  let timer;

  const earlier = kept.read(key);
  if (earlier && fields.some((field) => (earlier[field.name] ?? field.value) !== field.value)) {
    fill(earlier);
    if (earlier.draft !== undefined) {
      aim(form, { endpoint: earlier.draft, method: "PATCH", version: earlier.version });
    }
    unsaved = true;
    form.classList.add("show"); // an edit form folded away on the post's page unfolds
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-secondary";
    discard.textContent = "Discard it";
    const box = notice(form, "Your text from before, not yet saved, is back.", discard);
    discard.addEventListener("click", () => {
      fill(saved);
      if (earlier.draft !== undefined) {
        // The draft keeps what it had saved; what is typed next is a post of its own.
        aim(form, { endpoint, method });
      }
      kept.forget(key);
      unsaved = false;
      box.remove();
    });
  }

  const forget = () => {
    window.clearTimeout(timer);
    kept.forget(key);
    unsaved = false;
  };
  form.addEventListener("input", () => {
    unsaved = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => kept.write(key, record()), KEEP_AFTER_MS);
  });
  form.addEventListener("api-form:saved", forget);
  form.addEventListener("editor:autosaved", (event) => {
    if (event.detail.everything) {
      forget();
    } else {
      kept.write(key, record()); // what was typed since, with the draft's new version
    }
  });
  form.addEventListener("api-form:failed", (event) => {
    kept.write(key, record());
    if (event.detail.status === 401) {
      notice(
        form,
        "Your session has ended. Your text is kept here and in this browser: sign in, then save again.",
        signInLink(),
      );
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (unsaved) {
      kept.write(key, record());
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// Autosave, on forms marked data-autosave (a new post, a draft's edit form): a few seconds
// after typing stops, the draft is saved to the server. A new post is created once, as a
// draft, by the first save, and the form then edits it; every later save sends the version
// it last saw (expected_updated_at, data-version on a draft's form), so that a newer version
// written elsewhere is never overwritten: the server answers 409, autosave stops and says
// so. Autosave never sends a status: it never publishes. Saves go one at a time, and a
// Publish or Save pressed while one is under way waits for it (so nothing is created twice).
const AUTOSAVE_AFTER_MS = 3000;

// Why a save was refused: a 422's problems in plain words, each also marked at its field as a
// refused Publish marks them, and named by that field's label in the status line.
function refusal(form, error) {
  if (!error.errors?.length) {
    return error.message;
  }
  markFields(form, error.errors);
  const said = error.errors.map(({ field, message }) => {
    const label = field ? fieldOf(form, field)?.labels[0]?.firstChild?.textContent.trim() : "";
    return label ? `${label}: ${message}` : message;
  });
  return [...new Set(said)].join(" ");
}

function autosave(form) {
  const status = document.createElement("p");
  status.className = "small text-body-secondary mb-2";
  // Announced as it changes, without being a second status beside the editor's own.
  status.setAttribute("aria-live", "polite");
  status.dataset.autosaveStatus = "";
  form.querySelector("[data-markdown-editor]").after(status);
  const fields = KEPT_FIELDS.map((name) => form.elements[name]).filter(Boolean);
  const values = () => Object.fromEntries(fields.map((field) => [field.name, field.value]));
  let sent = JSON.stringify(values());
  let timer;
  let queue = Promise.resolve();
  let busy = false;
  let stopped = false;
  const version = () => form.elements.expected_updated_at?.value ?? null;
  if (form.dataset.version) {
    aim(form, { endpoint: form.dataset.endpoint, method: "PATCH", version: form.dataset.version });
  }

  function draftOf(current) {
    const draft = { title: current.title, content: current.content };
    if (current.tags !== undefined) {
      draft.tags = current.tags
        .split(",")
        .map((tag) => tag.trim())
        .filter((tag) => tag !== "");
    }
    return draft;
  }

  async function saveOnce() {
    const current = values();
    const snapshot = JSON.stringify(current);
    if (stopped || snapshot === sent) {
      return;
    }
    if (!current.title?.trim() || !current.content?.trim()) {
      status.textContent = "Autosave starts once there is a title and some text.";
      return;
    }
    status.textContent = "Saving…";
    try {
      const answer =
        version() === null
          ? await api("/api/posts", {
              method: "POST",
              body: { ...draftOf(current), status: "draft" },
            })
          : await api(form.dataset.endpoint, {
              method: "PATCH",
              body: { ...draftOf(current), expected_updated_at: version() },
            });
      // Manual saves (forms.js) go to the draft too, with its version.
      const draft = `/api/posts/${answer.id}`;
      aim(form, { endpoint: draft, method: "PATCH", version: answer.updated_at });
      sent = snapshot;
      const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      status.textContent = `Draft saved at ${time}.`;
      const everything = JSON.stringify(values()) === snapshot;
      form.dispatchEvent(new CustomEvent("editor:autosaved", { detail: { everything } }));
    } catch (error) {
      if (error.status === 409) {
        stopped = true;
      }
      status.textContent = `Not saved: ${refusal(form, error)}`;
      form.dispatchEvent(new CustomEvent("api-form:failed", { detail: { status: error.status } }));
    }
  }

  function save() {
    busy = true;
    queue = queue.then(saveOnce).finally(() => {
      busy = false;
    });
    return queue;
  }

  form.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, AUTOSAVE_AFTER_MS);
  });
  form.addEventListener(
    "submit",
    (event) => {
      window.clearTimeout(timer);
      if (busy) {
        // forms.js reads the endpoint when it sends: after the save under way, it is the draft's.
        event.preventDefault();
        event.stopImmediatePropagation();
        queue.then(() => form.requestSubmit(event.submitter));
      }
    },
    { capture: true },
  );
}

// Back to a page whose form has saved and left: without the back-forward cache the browser
// loads it again (new_post.html's form then comes back empty: autocomplete="off"); shown
// from that cache it would come back as it was, ready to create its post a second time, so
// it is loaded again as well.
function startAfreshWhenShownAgain(form) {
  let saved = false;
  form.addEventListener("api-form:saved", () => {
    saved = true;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && saved) {
      window.location.reload();
    }
  });
}

for (const editor of document.querySelectorAll("[data-markdown-editor]")) {
  setUp(editor);
  const form = editor.closest("form[data-api-form]");
  if (form) {
    keepUnsaved(form);
    startAfreshWhenShownAgain(form);
    if ("autosave" in form.dataset) {
      autosave(form);
    }
  }
}
