// The Markdown editor of the new and edit post forms (_forms.html's markdown_editor):
// Preview asks the server to render the text (the renderer that publishing uses, so what
// shows is what will be published), and Insert picture uploads one and puts
// ![description](url) at the cursor.
import { api } from "./api.js";

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

for (const editor of document.querySelectorAll("[data-markdown-editor]")) {
  setUp(editor);
}
