// The conversation without page reloads: the heart (like / unlike), Follow / Unfollow, and
// editing and deleting a comment in place, sent to the JSON API (api.js adds the CSRF
// header). Each is a plain form that works without JavaScript; when the API cannot do it
// here (signed out, a limit reached), the form is sent as it is and its page says why.
import { api } from "./api.js";

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

async function editComment(form) {
  const comment = commentOf(form);
  const answer = await api(`/api/comments/${comment.dataset.commentId}`, {
    method: "PATCH",
    body: { body: form.elements.body.value },
  });
  // body_html was sanitized by the server when the comment was written.
  comment.querySelector("[data-comment-body]").innerHTML = answer.body_html;
  form.closest("details").open = false;
}

async function deleteComment(form) {
  const comment = commentOf(form);
  await api(`/api/comments/${comment.dataset.commentId}`, { method: "DELETE" });
  const heading = document.getElementById("comments-heading");
  const total = Number.parseInt(heading.textContent, 10) - 1;
  heading.textContent = plural(total, "comment");
  heading.focus();
  comment.remove();
}

// A comment's error is shown beside its form: its text, never markup.
function showError(form, error) {
  const box = form.querySelector("[data-comment-error]");
  box.textContent = error.message;
  box.hidden = false;
}

const ACTIONS = [
  ["[data-like-form]", like, null],
  ["[data-follow-form]", follow, null],
  ["[data-comment-edit]", editComment, showError],
  ["[data-comment-delete]", deleteComment, showError],
];

async function send(form, action, onError) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await action(form);
  } catch (error) {
    // Signed out, or refused here: the plain form takes over and its page says why.
    if (onError === null || error.status === 401 || error.status === 429) {
      form.submit();
      return;
    }
    onError(form, error);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const found = ACTIONS.find(([selector]) => form.matches(selector));
  if (found === undefined) return;
  event.preventDefault();
  send(form, found[1], found[2]);
});
