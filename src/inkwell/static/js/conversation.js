// The conversation without page reloads: the heart (like / unlike), Follow / Unfollow, and
// adding, editing and deleting a comment in place, sent to the JSON API (api.js adds the
// CSRF header). Each is a plain form that works without JavaScript; when the API cannot do it
// here (signed out; a limit reached on a heart or Follow), the form is sent as it is and its
// page says why.
import { api, withButtonDisabled } from "./api.js";

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// The heart as the server renders it (web/templates/_conversation.html).
export function showLike(form, liked, count) {
  const button = form.querySelector("[data-like-button]");
  button.setAttribute("aria-pressed", String(liked));
  button.setAttribute("aria-label", `Like, ${plural(count, "like")}`);
  form.querySelector("[data-like-count]").textContent = String(count);
  form.action = `/posts/${form.dataset.postId}/${liked ? "unlike" : "like"}`;
}

function showFollow(form, following, followers) {
  const button = form.querySelector("[data-follow-button]");
  button.textContent = following ? "Unfollow" : "Follow";
  button.classList.toggle("btn-primary", !following);
  button.classList.toggle("btn-outline-secondary", following);
  form.action = `/users/${form.dataset.userId}/${following ? "unfollow" : "follow"}`;
  const count = document.querySelector("[data-follower-count]");
  if (count !== null) count.textContent = plural(followers, "follower");
  form.querySelector("[data-follow-status]").textContent = following
    ? "You follow them now."
    : "You no longer follow them.";
}

async function like(form) {
  const liked = form.querySelector("[data-like-button]").getAttribute("aria-pressed") === "true";
  const state = await api(`/api/posts/${form.dataset.postId}/like`, {
    method: liked ? "DELETE" : "PUT",
  });
  showLike(form, state.liked, state.like_count);
}

async function follow(form) {
  const following = form.action.endsWith("/unfollow");
  const state = await api(`/api/users/${form.dataset.userId}/follow`, {
    method: following ? "DELETE" : "PUT",
  });
  showFollow(form, state.following, state.follower_count);
}

function commentOf(form) {
  return form.closest("[data-comment-id]");
}

// The count above the comments, and the one beside the post's heart.
function showCommentCount(change) {
  const heading = document.getElementById("comments-heading");
  const total = Number.parseInt(heading.textContent, 10) + change;
  heading.textContent = plural(total, "comment");
  const link = document.querySelector("[data-post-comment-count]");
  if (link !== null) link.textContent = plural(total, "comment");
  return heading;
}

// A new comment from the page's copy of one (numbered 0): what the server would render.
function renderComment(template, said) {
  const node = template.content.firstElementChild.cloneNode(true);
  const anchor = `comment-${said.id}`;
  node.id = anchor;
  node.dataset.commentId = String(said.id);
  node.querySelector("[data-comment-anchor]").href = `#${anchor}`;
  const time = node.querySelector("time");
  time.dateTime = said.created_at;
  // body_html was rendered and sanitized by the server when the comment was written.
  node.querySelector("[data-comment-body]").innerHTML = said.body_html;
  const edit = node.querySelector("[data-comment-edit]");
  edit.action = `/comments/${said.id}/edit`;
  edit.elements.body.id = `${anchor}-body`;
  edit.elements.body.value = said.body;
  node.querySelector("[data-comment-label]").htmlFor = `${anchor}-body`;
  node.querySelector("[data-comment-delete]").action = `/comments/${said.id}/delete`;
  return node;
}

async function addComment(form) {
  const template = document.getElementById("comment-template");
  if (template === null) {
    // Not the last page of comments: the form shows the page the new one lands on.
    form.submit();
    return;
  }
  const said = await api(`/api/posts/${form.dataset.postId}/comments`, {
    method: "POST",
    body: { body: form.elements.body.value },
  });
  document.getElementById("comment-list").append(renderComment(template, said));
  showCommentCount(1);
  form.reset();
  form.querySelector("[data-comment-error]").hidden = true;
}

// "· edited", as the server marks a comment changed since it was written.
function editedMark() {
  const mark = document.createElement("span");
  mark.className = "text-body-secondary";
  mark.dataset.commentEdited = "";
  mark.textContent = "· edited";
  return mark;
}

async function editComment(form) {
  const comment = commentOf(form);
  const answer = await api(`/api/comments/${comment.dataset.commentId}`, {
    method: "PATCH",
    body: { body: form.elements.body.value },
  });
  // body_html was sanitized by the server when the comment was written.
  comment.querySelector("[data-comment-body]").innerHTML = answer.body_html;
  if (answer.updated_at !== answer.created_at && !comment.querySelector("[data-comment-edited]")) {
    comment.querySelector("[data-comment-anchor]").after(editedMark());
  }
  form.closest("details").open = false;
}

async function deleteComment(form) {
  const comment = commentOf(form);
  await api(`/api/comments/${comment.dataset.commentId}`, { method: "DELETE" });
  showCommentCount(-1).focus();
  comment.remove();
}

// A comment's error is shown beside its form: its text, never markup; a 422's in the
// plain words of its `errors`.
function showError(form, error) {
  const box = form.querySelector("[data-comment-error]");
  const said = error.errors?.map((problem) => problem.message) ?? [];
  box.textContent = said.length ? [...new Set(said)].join(" ") : error.message;
  box.hidden = false;
}

const ACTIONS = [
  ["[data-like-form]", like, null],
  ["[data-follow-form]", follow, null],
  ["[data-comment-add]", addComment, showError],
  ["[data-comment-edit]", editComment, showError],
  ["[data-comment-delete]", deleteComment, showError],
];

async function send(form, action, onError) {
  const button = form.querySelector("button[type=submit]");
  await withButtonDisabled(button, async () => {
    try {
      await action(form);
    } catch (error) {
      // Signed out, or refused where nothing beside the form can say why (the heart,
      // Follow): the plain form takes over and its page says why. A comment's refusal, a
      // limit too, is said beside its form, which keeps the words typed.
      if (onError === null || error.status === 401) {
        form.submit();
        return;
      }
      onError(form, error);
    }
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const found = ACTIONS.find(([selector]) => form.matches(selector));
  if (found === undefined) return;
  event.preventDefault();
  send(form, found[1], found[2]);
});
