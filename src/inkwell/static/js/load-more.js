// "Load more": fetches the next page of posts from the API and appends it, built from the
// page's own card <template> with textContent, so whatever a user wrote stays text. Dates
// and reading times are written the way the server writes them (web/rendering.py).
import { api } from "./api.js";
import { showLike } from "./conversation.js";

const button = document.getElementById("load-more");
const list = document.getElementById("posts");
const template = document.getElementById("post-card-template");
const errorBox = document.getElementById("load-more-error");
const wordsPerMinute = Number(list?.dataset.wordsPerMinute);
const dateFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});
const timeFormat = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

function ago(count, unit) {
  return `${count} ${unit}${count === 1 ? "" : "s"} ago`;
}

// "3 hours ago", as rendering.time_ago says it.
export function timeAgo(moment, now = new Date()) {
  const seconds = (now - moment) / 1000;
  const [minutes, hours, days] = [60, 3600, 86400].map((unit) => Math.floor(seconds / unit));
  if (minutes < 1) return "just now";
  if (hours < 1) return ago(minutes, "minute");
  if (days < 1) return ago(hours, "hour");
  if (days < 2) return "yesterday";
  if (days < 30) return ago(days, "day");
  return dateFormat.format(moment);
}

function readingTime(text) {
  const words = text.split(/\s+/).filter((word) => word !== "").length;
  return `${Math.max(1, Math.ceil(words / wordsPerMinute))} min read`;
}

function tagChip(name) {
  const chip = document.createElement("a");
  chip.className = "tag-chip";
  chip.href = `/tags/${encodeURIComponent(name)}`;
  chip.textContent = `#${name}`;
  return chip;
}

function card(post) {
  const node = template.content.firstElementChild.cloneNode(true);
  const field = (name) => node.querySelector(`[data-field="${name}"]`);
  const moment = new Date(post.published_at ?? post.updated_at);
  field("avatar").src = post.author.image_path;
  field("author").href = post.author.url;
  field("author").textContent = post.author.display_name ?? post.author.username;
  field("date").dateTime = post.published_at ?? post.updated_at;
  field("date").title = `${dateFormat.format(moment)}, ${timeFormat.format(moment)} UTC`;
  field("date").textContent = timeAgo(moment);
  field("reading-time").textContent = readingTime(post.content);
  field("title").href = post.url;
  field("title").textContent = post.title;
  field("excerpt").textContent = post.excerpt; // plain text, cut when the post was written
  field("tags").replaceChildren(...post.tags.map(tagChip));
  node.id = `post-${post.id}`;
  const likeForm = field("like-form");
  if (likeForm !== null) {
    likeForm.dataset.postId = String(post.id);
    showLike(likeForm, post.liked, post.like_count);
    field("comments").href = `${post.url}#comments`;
    field("comments").textContent = `${post.comment_count} comment${post.comment_count === 1 ? "" : "s"}`;
  }
  return node;
}

// The page's own address for the position `cursor` (its `limit` kept, if it has one).
function addressOf(cursor) {
  const address = new URL(window.location.href);
  address.search = "";
  address.hash = "";
  address.searchParams.set("cursor", cursor);
  const limit = new URL(window.location.href).searchParams.get("limit");
  if (limit !== null) address.searchParams.set("limit", limit);
  return `${address.pathname}${address.search}`;
}

async function loadMore(event) {
  event.preventDefault();
  const { api: url, cursor, limit } = button.dataset;
  button.classList.add("disabled");
  button.setAttribute("aria-disabled", "true");
  errorBox.hidden = true;
  try {
    // The listing's own address may carry a query already (?tag=python).
    const address = new URL(url, window.location.origin);
    address.searchParams.set("cursor", cursor);
    address.searchParams.set("limit", limit);
    const page = await api(`${address.pathname}${address.search}`);
    list.append(...page.posts.map(card));
    // The address now says where the posts just added start: reloading it, or coming
    // Back to it, shows them again (with a link to the newest), not the first page.
    window.history.replaceState(window.history.state, "", addressOf(cursor));
    if (page.next_cursor === null) {
      button.hidden = true;
    } else {
      button.dataset.cursor = page.next_cursor;
      button.href = addressOf(page.next_cursor);
    }
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  } finally {
    button.classList.remove("disabled");
    button.removeAttribute("aria-disabled");
  }
}

// A listing the API does not serve (a suspended author's, shown to an admin) keeps its link.
if (button !== null && button.dataset.api !== undefined) {
  // Without JavaScript the link opens the older posts as a page of their own; here it
  // appends them below, in place, as a button: it says so and answers Space too.
  button.textContent = "Load more";
  button.setAttribute("role", "button");
  button.addEventListener("click", loadMore);
  button.addEventListener("keydown", (event) => {
    if (event.key === " ") {
      event.preventDefault(); // not the page's scrolling
      button.click();
    }
  });
}
