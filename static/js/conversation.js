// conversation.js: a paragraph's conversation, opened in place. Without
// it, "¶ 12 notes" in a margin, a card and the links in a conversation
// lead to pages (the paragraph's notes page, a note's page). With it:
//   - "¶ 12 notes", a card, or a highlighted phrase in the text (a click,
//     or Enter when it has focus) opens the paragraph's conversation in a
//     panel beside the paragraph (under it on a phone), without moving
//     the text: the server's own conversation HTML (?part=conversation),
//     so every form in it is the page's; a card opens at its note, a
//     highlight with only the notes on its words (all of them, where
//     highlights overlap);
//   - Close, or Escape inside the panel, closes it, and focus goes back to
//     what opened it; pages of the conversation load inside the panel;
//   - the address says which paragraph is open (#p-…), and a link to a
//     paragraph opens its conversation when the page loads.
// One conversation is open at a time.

import { blockElement } from "./blocks.js";

const doc = document.querySelector("article.doc");
const body = doc && doc.querySelector(".doc-body");

let current = null; // {anchor, panel, opener, url}

// conversationFor returns the open panel of anchor's block, or null.
export function conversationFor(anchor) {
  return current && current.anchor === anchor && current.panel.isConnected ? current.panel : null;
}

// openConversation opens anchor's conversation (or loads another page of
// it): at the page holding note, or with only the notes in notes (ids). It
// resolves to the panel, or null when the block is not on this page.
export async function openConversation(anchor, { note = "", notes = null, opener = null, url = "", focus = true } = {}) {
  const wrap = blockElement(anchor);
  if (!wrap) return null;
  const open = wrap.querySelector(":scope > .margin a.open");
  let page = url || (current && current.anchor === anchor && !note && !notes ? current.url : open.href);
  const u = new URL(page, location.href);
  if (!url) {
    u.searchParams.delete("from");
    u.searchParams.delete("notes");
    u.searchParams.delete("note");
    if (note) u.searchParams.set("note", note);
    if (notes && notes.length) u.searchParams.set("notes", notes.join(","));
  }
  page = u.pathname + u.search;
  u.searchParams.set("part", "conversation");
  let res;
  try {
    res = await fetch(u.pathname + u.search, { headers: { Accept: "text/html" } });
  } catch {
    res = null;
  }
  if (!res || !res.ok) {
    location.href = page; // the conversation as a page
    return null;
  }
  const tpl = document.createElement("template");
  tpl.innerHTML = (await res.text()).trim();
  const panel = tpl.content.querySelector(".conversation");
  if (current && current.anchor !== anchor) closeConversation(false);
  const old = wrap.querySelector(":scope > .conversation");
  if (old) old.replaceWith(panel);
  else wrap.append(panel);
  const was = current && current.anchor === anchor ? current : null;
  current = { anchor, panel, url: page, opener: opener || (was && was.opener) || document.activeElement };
  wrap.classList.add("conv-open");
  open.setAttribute("aria-expanded", "true");
  if (location.hash !== "#" + anchor) history.replaceState(history.state, "", "#" + anchor);
  const at = note && panel.querySelector(`.note[data-note="${CSS.escape(note)}"]`);
  if (at) {
    for (let d = at.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
  }
  if (focus) {
    const target = at || panel;
    if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
    target.focus({ preventScroll: true });
    reveal(target === panel ? wrap : target);
  }
  panel.dispatchEvent(new CustomEvent("glossa:conversation", { bubbles: true, detail: { anchor } }));
  return panel;
}

// reloadConversation loads the open conversation of anchor again, at the
// page holding note when given; null when it is not open.
export function reloadConversation(anchor, { note = "", focus = false } = {}) {
  if (!conversationFor(anchor)) return Promise.resolve(null);
  return openConversation(anchor, note ? { note, focus } : { url: current.url, focus });
}

// closeConversation closes the open conversation; focus goes back to what
// opened it when refocus is set.
export function closeConversation(refocus = true) {
  if (!current) return;
  const { anchor, panel, opener } = current;
  current = null;
  const wrap = blockElement(anchor);
  panel.remove();
  if (wrap) {
    wrap.classList.remove("conv-open");
    wrap.querySelector(":scope > .margin a.open")?.setAttribute("aria-expanded", "false");
  }
  if (location.hash === "#" + anchor) history.replaceState(history.state, "", location.pathname + location.search);
  if (!refocus) return;
  const back = opener && opener.isConnected ? opener : wrap && wrap.querySelector(":scope > .margin a.open");
  back?.focus();
}

// reveal scrolls as little as it takes to show el's top.
function reveal(el) {
  const box = el.getBoundingClientRect();
  const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (box.top < 8 || box.top > innerHeight - 80) {
    scrollBy({ top: box.top - 16, behavior: reduce ? "auto" : "smooth" });
  }
}

// marksAt lists the notes highlighted at mark m: m, the highlights it lies
// in and those inside it.
export function marksAt(m) {
  const ids = new Set();
  for (let x = m; x && x.matches("mark.hl"); x = x.parentElement.closest("mark.hl")) ids.add(x.dataset.note);
  for (const x of m.querySelectorAll("mark.hl")) ids.add(x.dataset.note);
  return [...ids];
}

function plain(e) {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

if (body) {
  body.addEventListener("click", (e) => {
    if (e.defaultPrevented || !plain(e)) return;
    const t = e.target;
    const open = t.closest(".margin a.open[data-open]");
    if (open) {
      e.preventDefault();
      const anchor = open.dataset.open;
      if (conversationFor(anchor)) closeConversation();
      else openConversation(anchor, { opener: open });
      return;
    }
    const card = t.closest(".margin a.card[data-note]");
    if (card) {
      e.preventDefault();
      openConversation(card.closest("[data-block]").dataset.block, { note: card.dataset.note, opener: card });
      return;
    }
    const mark = t.closest("mark.hl[data-note]");
    if (mark && !mark.closest(".conversation")) {
      // A click that ends a selection is the start of a note, not this.
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed) return;
      openConversation(mark.closest("[data-block]").dataset.block, { notes: marksAt(mark), opener: mark });
      return;
    }
    const panel = t.closest(".conversation");
    if (!panel) return;
    if (t.closest("[data-close]")) {
      closeConversation();
      return;
    }
    const link = t.closest("a[data-conv-link]");
    if (link) {
      e.preventDefault();
      openConversation(panel.dataset.conversation, { url: link.getAttribute("href") });
    }
  });

  body.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (e.key === "Enter" && t.matches("mark.hl[data-note][role=button]") && !t.closest(".conversation")) {
      e.preventDefault();
      openConversation(t.closest("[data-block]").dataset.block, { notes: marksAt(t), opener: t });
    } else if (e.key === "Escape" && t.closest(".conversation") && current) {
      e.preventDefault();
      closeConversation();
    }
  });

  // A link to a paragraph opens its conversation; a link to a note (a
  // note's page links to ?note=…#p-…) opens it at that note, in focus.
  const fromHash = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (!id.startsWith("p-") || conversationFor(id)) return;
    const wrap = blockElement(id);
    if (!wrap || !wrap.querySelector(":scope > .margin a.open")) return;
    const note = new URLSearchParams(location.search).get("note") || "";
    openConversation(id, { note, focus: note !== "", opener: wrap.querySelector(":scope > .margin a.open") });
  };
  window.addEventListener("hashchange", fromHash);
  fromHash();
}
