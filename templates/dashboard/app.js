// maekin dashboard: live node table (server-sent events) and confirmation of actions.
// The pages work without it; this only refreshes and asks.
"use strict";
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
    const yes = document.createElement("input");
    yes.type = "hidden"; yes.name = "confirm"; yes.value = "yes";
    form.appendChild(yes);
  });
});

const live = document.getElementById("live");
const timeline = document.getElementById("timeline");
if (live || timeline) {
  let pending = false;
  // The server renders the page; a refresh fetches it again and swaps the live part.
  const refresh = async (changed) => {
    if (!live || pending) return;
    pending = true;
    try {
      const res = await fetch(location.pathname, { credentials: "same-origin" });
      const fresh = res.ok && new DOMParser().parseFromString(await res.text(), "text/html").getElementById("live");
      if (fresh) {
        live.innerHTML = fresh.innerHTML;
        const row = changed && live.querySelector(`tr[data-node="${CSS.escape(changed)}"]`);
        if (row) row.classList.add("flash");
      }
    } finally { pending = false; }
  };
  const source = new EventSource("/ui/events");
  source.addEventListener("node", (message) => {
    const event = JSON.parse(message.data);
    if (live) refresh(event.node);
    if (timeline && document.title.startsWith(`${event.node} `)) {
      const li = document.createElement("li");
      li.dataset.type = event.type;
      const time = document.createElement("time");
      time.textContent = new Date(event.time).toISOString().replace("T", " ").slice(0, 19);
      const type = document.createElement("b");
      type.textContent = event.type;
      li.append(time, type, ` ${event.message}`);
      timeline.appendChild(li);
    }
  });
}
