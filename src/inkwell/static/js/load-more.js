// "Load more": fetches the next page of posts from the API and appends it, built from the
// page's own card <template> with textContent, so whatever a user wrote stays text.
import { api } from "./api.js";

const button = document.getElementById("load-more");
const list = document.getElementById("posts");
const template = document.getElementById("post-card-template");
const errorBox = document.getElementById("load-more-error");
const dateFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});

function card(post) {
  const node = template.content.firstElementChild.cloneNode(true);
  const field = (name) => node.querySelector(`[data-field="${name}"]`);
  field("avatar").src = post.author.image_path;
  field("author").href = `/users/${post.author.id}/posts`;
  field("author").textContent = post.author.username;
  field("date").dateTime = post.date_posted;
  field("date").textContent = dateFormat.format(new Date(post.date_posted));
  field("title").href = `/posts/${post.id}`;
  field("title").textContent = post.title;
  field("excerpt").textContent = post.excerpt; // plain text, cut when the post was written
  return node;
}

async function loadMore(event) {
  event.preventDefault();
  const { api: url, skip, limit } = button.dataset;
  button.classList.add("disabled");
  button.setAttribute("aria-disabled", "true");
  errorBox.hidden = true;
  try {
    const page = await api(`${url}?${new URLSearchParams({ skip, limit })}`);
    list.append(...page.posts.map(card));
    button.dataset.skip = String(page.skip + page.posts.length);
    button.href = `?${new URLSearchParams({ skip: button.dataset.skip, limit })}`;
    button.hidden = !page.has_more;
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  } finally {
    button.classList.remove("disabled");
    button.removeAttribute("aria-disabled");
  }
}

button?.addEventListener("click", loadMore);
