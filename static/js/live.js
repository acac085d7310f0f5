// live.js: reading together, live. Without it the reading page is complete
// as the server rendered it; with it:
//   - the page listens to /read/{slug}/events (server-sent events) from the
//     event id the page was rendered at, so nothing between the render and
//     the connection is lost; EventSource reconnects by itself and sends
//     Last-Event-ID, and the server resumes exactly there;
//   - notes that others create, edit, hide, delete or react to are not
//     pushed under the reader's eyes: they are queued behind a button
//     ("2 new notes", "1 update") in a polite live region, and pressing it
//     fetches each changed block through the same template and rule as the
//     page, swaps it in place and moves focus to the first new note;
//   - the "readers here now" line follows the presence events.
//
// The reader's own acts are not news: each event says whether the reader
// did it ("mine": wrote, replied, reacted, moderated), and those are
// skipped; the tab that acted shows them already (reader.js swapped the
// block), the reader's other tabs at their next update of that block. When
// reader.js swaps a block after an act of the reader, whatever was queued
// for that block is dropped too: the fresh block shows it.
//
// root.dataset.seen holds the id of the last event handled, shown or not,
// so a test (or a curious reader) can tell the stream is caught up.

import { swapBlock, fetchBlock, blockElement, OWN_CHANGE } from "./blocks.js";

const root = document.querySelector("[data-live]");
if (root && "EventSource" in window) {
  init(root);
}

function init(root) {
  const slug = root.dataset.slug;
  const news = root.querySelector("[data-news]");
  const presence = root.querySelector("[data-presence]");

  // queue: anchor → {seq, notes: Map(note id → "new" | "update")}
  const queue = new Map();
  let seq = 0;

  const button = document.createElement("button");
  button.type = "button";
  button.className = "live-button";
  button.addEventListener("click", showNews);
  const status = document.createElement("span");
  status.className = "visually-hidden";
  news.append(status);

  const es = new EventSource(root.dataset.events);
  es.addEventListener("note", (m) => {
    let ev;
    try {
      ev = JSON.parse(m.data);
    } catch {
      return;
    }
    onNote(ev);
  });
  es.addEventListener("presence", (m) => {
    try {
      showPresence(JSON.parse(m.data).groups || []);
    } catch {
      // a malformed message changes nothing
    }
  });

  document.addEventListener(OWN_CHANGE, (e) => {
    const anchor = e.detail && e.detail.anchor;
    if (anchor && queue.delete(anchor)) render();
  });

  function onNote(ev) {
    if (ev.id) root.dataset.seen = String(ev.id);
    if (!ev.anchor || !ev.note || ev.mine) return;
    let q = queue.get(ev.anchor);
    if (!q) {
      q = { seq: 0, notes: new Map() };
      queue.set(ev.anchor, q);
    }
    q.seq = ++seq;
    const prev = q.notes.get(ev.note);
    if (ev.kind === "created") {
      q.notes.set(ev.note, "new");
    } else if (prev === "new" && (ev.kind === "deleted" || ev.kind === "withdrawn" || ev.kind === "hidden")) {
      // Gone before it was shown: nothing to show.
      q.notes.delete(ev.note);
      if (q.notes.size === 0) queue.delete(ev.anchor);
    } else if (prev !== "new") {
      q.notes.set(ev.note, "update");
    }
    render();
  }

  function counts() {
    let fresh = 0;
    let updates = 0;
    for (const q of queue.values()) {
      for (const v of q.notes.values()) {
        if (v === "new") fresh++;
        else updates++;
      }
    }
    return { fresh, updates };
  }

  // render updates the button, a little after the last event, so a burst
  // of events is announced once.
  let renderTimer = 0;
  function render() {
    clearTimeout(renderTimer);
    renderTimer = setTimeout(renderNow, 300);
  }
  function renderNow() {
    const { fresh, updates } = counts();
    if (fresh === 0 && updates === 0) {
      button.remove();
      return;
    }
    const parts = [];
    if (fresh) parts.push(`${fresh} new ${fresh === 1 ? "note" : "notes"}`);
    if (updates) parts.push(`${updates} ${updates === 1 ? "update" : "updates"}`);
    button.textContent = parts.join(" and ");
    status.textContent = "";
    if (!button.isConnected) news.prepend(button);
  }

  // busy: the reader is writing in this block; swapping it would lose
  // their text, so it stays queued.
  function busy(wrap) {
    if (wrap.querySelector("form.inline-editor")) return true;
    for (const f of wrap.querySelectorAll("textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox])")) {
      if (f.value !== f.defaultValue || f === document.activeElement) return true;
    }
    return false;
  }

  async function showNews() {
    clearTimeout(renderTimer);
    const jobs = [];
    for (const [anchor, q] of queue) {
      const wrap = blockElement(anchor);
      if (!wrap) {
        queue.delete(anchor); // not on this page (an earlier version's words)
        continue;
      }
      if (busy(wrap)) continue;
      const at = q.seq;
      jobs.push(fetchBlock(slug, anchor).then((html) => ({ anchor, q, at, html })));
    }
    button.disabled = true;
    let done;
    try {
      done = await Promise.all(jobs);
    } catch {
      button.disabled = false;
      status.textContent = "The news could not be loaded. Check your connection and try again.";
      return;
    }
    button.disabled = false;
    const swapped = [];
    const newIDs = new Set();
    for (const { anchor, q, at, html } of done) {
      const wrap = blockElement(anchor);
      if (html === null || !wrap) {
        queue.delete(anchor);
        continue;
      }
      for (const [id, v] of q.notes) if (v === "new") newIDs.add(id);
      const el = swapBlock(wrap, html, { own: false });
      swapped.push(el);
      // Events that arrived while the block was on its way may not be in
      // it: they stay queued.
      if (queue.get(anchor) === q && q.seq === at) queue.delete(anchor);
    }
    renderNow();
    if (swapped.length === 0) return;
    // Focus the first new note in reading order, else the first changed
    // block, so a keyboard or screen reader user lands on the news.
    swapped.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    let target = null;
    for (const el of swapped) {
      for (const n of el.querySelectorAll(".note[data-note]")) {
        if (newIDs.has(n.dataset.note)) {
          target = n;
          break;
        }
      }
      if (target) break;
    }
    target = target || swapped[0];
    if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
    target.focus();
    const n = newIDs.size;
    status.textContent = n ? `Showing ${n} new ${n === 1 ? "note" : "notes"}.` : "Updated.";
  }

  function showPresence(groups) {
    if (!presence) return;
    presence.replaceChildren(
      ...groups.map((g) => {
        const li = document.createElement("li");
        li.dataset.group = String(g.id);
        const name = document.createElement("span");
        name.className = "group-name";
        name.textContent = g.name;
        const n = document.createElement("span");
        n.dataset.readers = "";
        n.textContent = readersText(g.readers);
        li.append(name, ": ", n);
        return li;
      }),
    );
    presence.hidden = groups.length === 0;
  }
}

// readersText says how many others are here: the same words as the
// server's readersText (web/presence.go).
function readersText(n) {
  if (n === 0) return "no one else here now";
  if (n === 1) return "1 other reader here now";
  return `${n} other readers here now`;
}
