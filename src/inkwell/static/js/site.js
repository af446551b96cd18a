// Behaviour every page shares: signing out from the navbar.
import { api } from "./api.js";

const signOut = document.getElementById("sign-out");
signOut?.addEventListener("click", async () => {
  signOut.disabled = true;
  try {
    await api("/api/users/logout", { method: "POST" });
  } finally {
    window.location.assign("/");
  }
});
