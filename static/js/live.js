// live.js: reading together, live. Without it the reading page is complete
// as the server rendered it; with it:
//   - the page listens to /read/{slug}/events (server-sent events) from the
//     event id the page was rendered at, so nothing between the render and
//     the connection is lost; EventSource reconnects by itself and sends
//     Last-Event-ID, and the server resumes exactly there;
//   - notes that others create, edit, hide, delete or react to are not
//     pushed under the reader's eyes: they are queued behind a button
//     ("2 new notes and 1 reply", "1 update") in a polite live region, and
//     pressing it fetches the summary of each changed paragraph through the
//     same template and rule as the page and swaps only that (and that
//     paragraph's conversation, when it is the open one), then moves focus
//     to the first new note;
//   - new notes and replies stay marked "New" until they have been in
//     view for a moment (or their conversation was opened); a paragraph
//     whose new notes are not on its cards says how many in its margin;
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

import { swapBlock, fetchBlock, blockElement, OWN_CHANGE, SWAPPED } from "./blocks.js";
import { conversationFor, reloadConversation } from "./conversation.js";

// SEEN_MS: how long a new note stays in view before it counts as seen.
const SEEN_MS = 1500;

const root = document.querySelector("[data-live]");
if (root && "EventSource" in window) {
  init(root);
}

function init(root) {
  const slug = root.dataset.slug;
  const news = document.querySelector("[data-news]");
  const presence = root.querySelector("[data-presence]");

  // queue: anchor → {seq, notes: Map(note id → "new" | "reply" | "update")}
  const queue = new Map();
  let seq = 0;
  // unseen: note id → anchor, the new notes and replies shown but not seen.
  const unseen = new Map();

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
    const isNew = prev === "new" || prev === "reply";
    if (ev.kind === "created") {
      q.notes.set(ev.note, ev.parent ? "reply" : "new");
    } else if (isNew && (ev.kind === "deleted" || ev.kind === "withdrawn" || ev.kind === "hidden")) {
      // Gone before it was shown: nothing to show.
      q.notes.delete(ev.note);
      if (q.notes.size === 0) queue.delete(ev.anchor);
    } else if (!isNew) {
      q.notes.set(ev.note, "update");
    }
    render();
  }

  function counts() {
    let fresh = 0;
    let replies = 0;
    let updates = 0;
    for (const q of queue.values()) {
      for (const v of q.notes.values()) {
        if (v === "new") fresh++;
        else if (v === "reply") replies++;
        else updates++;
      }
    }
    return { fresh, replies, updates };
  }

  // render updates the button, a little after the last event, so a burst
  // of events is announced once.
  let renderTimer = 0;
  function render() {
    clearTimeout(renderTimer);
    renderTimer = setTimeout(renderNow, 300);
  }
  function renderNow() {
    const { fresh, replies, updates } = counts();
    if (fresh === 0 && replies === 0 && updates === 0) {
      button.remove();
      return;
    }
    const parts = [];
    if (fresh) parts.push(`${fresh} new ${fresh === 1 ? "note" : "notes"}`);
    if (replies) parts.push(`${replies} new ${replies === 1 ? "reply" : "replies"}`);
    if (updates) parts.push(`${updates} ${updates === 1 ? "update" : "updates"}`);
    button.textContent = parts.join(" and ");
    status.textContent = "";
    if (!button.isConnected) news.prepend(button);
  }

  // busy: the reader is writing in this block's conversation; loading it
  // again would lose their text, so it stays queued.
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
      for (const [id, v] of q.notes) {
        if (v === "new" || v === "reply") {
          newIDs.add(id);
          unseen.set(id, anchor);
        }
      }
      swapBlock(wrap, html, { own: false });
      if (conversationFor(anchor)) await reloadConversation(anchor);
      swapped.push(wrap);
      // Events that arrived while the block was on its way may not be in
      // it: they stay queued.
      if (queue.get(anchor) === q && q.seq === at) queue.delete(anchor);
    }
    renderNow();
    if (swapped.length === 0) return;
    for (const el of swapped) mark(el);
    // Focus the first new note in reading order (its card, or the note in
    // the open conversation), else the way into the first changed block,
    // so a keyboard or screen reader user lands on the news.
    swapped.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    // An open conversation covers its margin's cards: its note first.
    let target = null;
    for (const el of swapped) {
      const open = [...el.querySelectorAll(":scope > .conversation .note[data-note]")];
      const cards = [...el.querySelectorAll(":scope > .margin a.card[data-note]")];
      target = [...open, ...cards].find((n) => newIDs.has(n.dataset.note) && n.checkVisibility({ visibilityProperty: true }));
      if (target) break;
    }
    target = target || swapped[0].querySelector(".margin a.open") || swapped[0];
    if (!target.hasAttribute("tabindex") && !target.matches("a[href]")) target.tabIndex = -1;
    target.focus();
    const n = newIDs.size;
    status.textContent = n ? `Showing ${n} new ${n === 1 ? "note" : "notes and replies"}.` : "Updated.";
  }

  // --- new until seen ---------------------------------------------------
  // mark shows, in a block, which of its notes are new: a card or a note
  // in the conversation gets "New"; the margin says how many new notes
  // are not on its cards. An element in view for SEEN_MS is seen.
  const timers = new Map();
  const watch = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const id = e.target.dataset.note;
      if (e.isIntersecting) {
        if (!timers.has(e.target)) timers.set(e.target, setTimeout(() => seen(id), SEEN_MS));
      } else {
        clearTimeout(timers.get(e.target));
        timers.delete(e.target);
      }
    }
  }, { threshold: 0.6 });

  function mark(wrap) {
    const anchor = wrap.dataset.block;
    let off = 0;
    for (const [id, a] of unseen) {
      if (a !== anchor) continue;
      const els = [...wrap.querySelectorAll(`.margin a.card[data-note="${CSS.escape(id)}"], .conversation .note[data-note="${CSS.escape(id)}"]`)];
      for (const el of els) {
        if (el.classList.contains("is-new")) continue;
        el.classList.add("is-new");
        const badge = document.createElement("span");
        badge.className = "new-badge";
        badge.textContent = "New";
        (el.querySelector(".card-head, .note-head") || el).append(badge);
        watch.observe(el);
      }
      if (!els.some((el) => el.matches(".margin a.card") && !el.closest("[hidden]"))) off++;
    }
    const open = wrap.querySelector(":scope > .margin a.open");
    let badge = open && open.querySelector(".new-badge");
    if (off && open && !conversationFor(anchor)) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "new-badge";
        open.append(badge);
      }
      badge.textContent = `${off} new`;
    } else {
      badge?.remove();
    }
  }

  function seen(id) {
    const anchor = unseen.get(id);
    unseen.delete(id);
    const wrap = anchor && blockElement(anchor);
    if (!wrap) return;
    for (const el of wrap.querySelectorAll(`[data-note="${CSS.escape(id)}"].is-new`)) {
      el.classList.remove("is-new");
      el.querySelector(".new-badge")?.remove();
      watch.unobserve(el);
      clearTimeout(timers.get(el));
      timers.delete(el);
    }
    mark(wrap);
  }

  // A swap (the reader's own, or margin.js's refit) and an opened
  // conversation redraw the marks; opening a conversation shows its new
  // notes, marked there, so the margin's count of them goes.
  document.addEventListener(SWAPPED, (e) => mark(e.detail.block));
  document.addEventListener("glossa:conversation", (e) => {
    const wrap = blockElement(e.detail.anchor);
    if (wrap) mark(wrap);
  });

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
