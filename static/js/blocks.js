// blocks.js: swapping one block of the reading page (a paragraph with its
// margin's summary, the server's "block" template) for fresh HTML from the
// server. reader.js swaps a block after the reader's own act (a note saved,
// edited, deleted); live.js swaps the blocks that others changed when the
// reader asks for the news. Both go through here, so live.js hears of the
// reader's own changes and does not offer them back as news, and
// margin.js fits the fresh summary beside its paragraph.
//
// Only the paragraph (its highlights may change) and its margin are
// replaced: the block's element stays, and with it an open conversation
// (conversation.js reloads that itself) and focus inside it.

// OWN_CHANGE is the document event fired after a swap caused by the
// reader's own act; detail.anchor names the block.
export const OWN_CHANGE = "glossa:own-change";

// SWAPPED is the document event fired after any swap; detail.block is the
// block's element.
export const SWAPPED = "glossa:block-swapped";

// swapBlock puts the paragraph and margin of the block in html into wrap
// ([data-block]) and returns wrap. own: the reader's own act caused it
// (the default). Focus on a control of the old margin or a highlight
// moves to the same one in the new.
export function swapBlock(wrap, html, { own = true } = {}) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html.trim();
  const fresh = tpl.content.firstElementChild;
  if (!fresh) return wrap;
  const active = document.activeElement;
  const again = refocus(wrap, active);
  const text = fresh.firstElementChild;
  const margin = fresh.querySelector(":scope > .margin");
  wrap.firstElementChild.replaceWith(text);
  wrap.querySelector(":scope > .margin")?.replaceWith(margin);
  wrap.className = fresh.className + (wrap.classList.contains("conv-open") ? " conv-open" : "");
  if (again) wrap.querySelector(again)?.focus({ preventScroll: true });
  document.dispatchEvent(new CustomEvent(SWAPPED, { detail: { block: wrap } }));
  if (own) {
    document.dispatchEvent(new CustomEvent(OWN_CHANGE, { detail: { anchor: wrap.dataset.block } }));
  }
  return wrap;
}

// refocus names, as a selector within wrap, the element of its paragraph
// or margin that has focus, so the same one can have it after a swap.
function refocus(wrap, el) {
  if (!el || !wrap.contains(el) || el.closest(".conversation")) return null;
  if (el.matches("a.open")) return ":scope > .margin a.open";
  if (el.matches("a.annotate")) return ":scope > .margin a.annotate";
  if (el.dataset.note) return `:scope > :not(.conversation) [data-note="${CSS.escape(el.dataset.note)}"]`;
  return null;
}

// fetchBlock gets the current HTML of one block, through the same
// visibility rule as the page; null if the block is gone.
export async function fetchBlock(slug, anchor) {
  const res = await fetch(`/read/${encodeURIComponent(slug)}/blocks/${encodeURIComponent(anchor)}`, {
    headers: { Accept: "text/html" },
  });
  if (!res.ok) return null;
  return res.text();
}

// blockElement finds the block with anchor on the page.
export function blockElement(anchor) {
  return document.querySelector(`[data-block="${CSS.escape(anchor)}"]`);
}
