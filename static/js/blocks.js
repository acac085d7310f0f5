// blocks.js: swapping one block of the reading page (a paragraph with its
// margin, the server's "block" template) for fresh HTML from the server.
// reader.js swaps a block after the reader's own act (a note saved,
// edited, deleted); live.js swaps the blocks that others changed when the
// reader asks for the news. Both go through here, so live.js hears of the
// reader's own changes and does not offer them back as news.

// OWN_CHANGE is the document event fired after a swap caused by the
// reader's own act; detail.anchor names the block.
export const OWN_CHANGE = "glossa:own-change";

// swapBlock replaces wrap ([data-block]) with the block in html and returns
// the new element. own: the reader's own act caused it (the default).
export function swapBlock(wrap, html, { own = true } = {}) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html.trim();
  const fresh = tpl.content.firstElementChild;
  wrap.replaceWith(fresh);
  if (own) {
    document.dispatchEvent(new CustomEvent(OWN_CHANGE, { detail: { anchor: fresh.dataset.block } }));
  }
  return fresh;
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
