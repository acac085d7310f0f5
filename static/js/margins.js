// margins.js lays out the reading page's margins on wide screens. Without
// it (and on phones, where each margin sits under its paragraph) a block
// is a grid row holding the paragraph and its margin, so a long thread
// pushes the next paragraph down and leaves a gap in the text. With it the
// text flows without gaps: each margin starts level with its paragraph, or
// just under the margin before it when that one runs longer, as in the
// margins of a printed book. The DOM order, and so the reading and Tab
// order, does not change; only each margin's own top and bottom margins
// are set, so that it adds nothing to its row's height.

const WIDE = window.matchMedia("(min-width: 64rem)");
const GAP = 12; // px between one margin's end and the next one's start

const body = document.querySelector("article.doc .doc-body");
if (body) {
  let queued = false;
  const schedule = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        layout();
      });
    }
  };
  // A margin changes height when notes arrive, an editor opens or a
  // thread unfolds; the page changes width with the window.
  const watch = new ResizeObserver(schedule);
  // Afresh each time, so that margins replaced by new ones are let go.
  const observe = () => {
    watch.disconnect();
    watch.observe(body);
    for (const m of margins()) watch.observe(m);
  };
  observe();
  // Blocks are replaced whole when their notes change (blocks.js).
  new MutationObserver(() => {
    observe();
    schedule();
  }).observe(body, { childList: true, subtree: true });
  WIDE.addEventListener("change", schedule);
  document.fonts?.ready.then(schedule);
  window.addEventListener("beforeprint", () => reset(margins()));
  window.addEventListener("afterprint", schedule);
  schedule();
}

function margins() {
  return [...body.querySelectorAll(".blk > .margin")];
}

function reset(ms) {
  for (const m of ms) m.style.marginTop = m.style.marginBottom = "";
  body.style.paddingBottom = "";
  body.classList.remove("margins-flow");
}

function layout() {
  const ms = margins();
  if (!WIDE.matches) {
    reset(ms);
    return;
  }
  // First take every margin out of its row's height, so that the text
  // lies as it will in the end; then read where each paragraph starts.
  body.classList.add("margins-flow");
  for (const m of ms) {
    m.style.marginTop = "0px";
    m.style.marginBottom = `${-m.offsetHeight}px`;
  }
  let end = -Infinity;
  for (const m of ms) {
    // Level with the paragraph's text, not its row: a heading's row
    // begins with the space above the heading.
    const row = m.getBoundingClientRect().top;
    const text = m.parentElement.firstElementChild.getBoundingClientRect().top;
    const height = m.offsetHeight;
    const start = Math.max(text + window.scrollY, end + GAP);
    const shift = start - (row + window.scrollY);
    m.style.marginTop = `${shift}px`;
    m.style.marginBottom = `${-(shift + height)}px`;
    end = start + height;
  }
  // The last margins may run past the text.
  const bottom = body.getBoundingClientRect().bottom + window.scrollY;
  body.style.paddingBottom = end > bottom ? `${end - bottom}px` : "";
}
