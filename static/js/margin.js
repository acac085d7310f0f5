// margin.js: the margins of the reading page, with JavaScript.
//   - On a wide screen each margin is a box beside its paragraph, as tall
//     as the paragraph's row (site.css); a card that does not fit whole
//     wraps out of sight. Here such cards are hidden (no stop for the
//     keyboard or a screen reader) and counted in "N more notes".
//   - Keys, when not typing in a field: j and k move to the next and the
//     previous paragraph (its "¶" link, which opens its conversation), n
//     and p to the next and the previous note (a card in the margins, or
//     a note in the open conversation). Enter opens what has focus.
//   - The highlights of a paragraph are one stop for Tab: the first has
//     it, ← and → move to the others, Enter (conversation.js) opens their
//     notes.
//   - Pointing at a card (or focusing it) marks its words in the text.
// Touch screens get no key hints: these keys are for keyboards.

import { SWAPPED } from "./blocks.js";

const WIDE = window.matchMedia("(min-width: 64rem)");
const doc = document.querySelector("article.doc");
const body = doc && doc.querySelector(".doc-body");

if (body) {
  let queued = false;
  const schedule = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        fitAll();
      });
    }
  };
  new ResizeObserver(schedule).observe(body);
  WIDE.addEventListener("change", schedule);
  document.fonts?.ready.then(schedule);
  document.addEventListener(SWAPPED, (e) => {
    fit(e.detail.block);
    rove(e.detail.block);
  });
  for (const wrap of body.querySelectorAll(".blk")) rove(wrap);
  fitAll();

  document.addEventListener("keydown", onKey);
  body.addEventListener("keydown", onMarkKey);
  for (const [type, on] of [["mouseover", true], ["mouseout", false], ["focusin", true], ["focusout", false]]) {
    body.addEventListener(type, (e) => {
      const card = e.target.closest && e.target.closest(".margin a.card[data-note], .conversation .note[data-note]");
      if (!card) return;
      for (const m of body.querySelectorAll(`mark.hl[data-note="${CSS.escape(card.dataset.note)}"]`)) {
        m.classList.toggle("hl-active", on);
      }
    });
  }
}

function fitAll() {
  for (const wrap of body.querySelectorAll(".blk")) fit(wrap);
}

// fit hides the cards of wrap's margin that wrapped out of sight and
// counts them in its "N more notes".
function fit(wrap) {
  const margin = wrap.querySelector(":scope > .margin");
  const list = margin && margin.querySelector("ul.cards");
  if (!list) return;
  const items = [...list.children];
  for (const li of items) li.hidden = false;
  let hidden = 0;
  if (WIDE.matches) {
    const box = list.getBoundingClientRect();
    for (const li of items) {
      // Wrapped into a second column, or (the first card alone in its
      // column, which cannot wrap) cut by the margin's end.
      const r = li.getBoundingClientRect();
      if (r.left > box.left + 1 || r.bottom > box.bottom + 0.5) {
        li.hidden = true;
        hidden += 1 + Number(li.dataset.more || 0); // the guide's card stands for its notes
      }
    }
  }
  let more = margin.querySelector(":scope > .more");
  const n = Number(more?.dataset.more || 0) + hidden;
  if (n === 0) {
    more?.remove();
    return;
  }
  if (!more) {
    more = document.createElement("p");
    more.className = "more";
    more.dataset.more = "0";
    margin.append(more);
  }
  more.textContent = `${n} more ${n === 1 ? "note" : "notes"}`;
}

// outer lists the highlights of a paragraph that lie in no other: a
// highlight inside another is part of it (overlapping highlights open all
// their notes together, conversation.js), not a control of its own, as
// controls may not nest.
function outer(p) {
  return p ? [...p.querySelectorAll("mark.hl[data-note]")].filter((m) => !m.parentElement.closest("mark.hl")) : [];
}

// rove makes the highlights of wrap's paragraph one stop for Tab.
function rove(wrap) {
  const marks = outer(wrap.firstElementChild);
  marks.forEach((m, i) => {
    m.tabIndex = i === 0 ? 0 : -1;
    m.setAttribute("role", "button");
    m.setAttribute("aria-haspopup", "dialog");
  });
}

function onMarkKey(e) {
  const m = e.target;
  if (!m.matches || !m.matches("mark.hl[data-note][role=button]") || m.closest(".conversation")) return;
  if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
  if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const marks = outer(m.closest("[data-anchor]"));
  const i = marks.indexOf(m) + (e.key === "ArrowRight" ? 1 : -1);
  if (i < 0 || i >= marks.length) return;
  e.preventDefault();
  m.tabIndex = -1;
  marks[i].tabIndex = 0;
  marks[i].focus();
}

function typing(t) {
  return t.closest && t.closest("input, textarea, select, [contenteditable]:not([contenteditable=false]), .picking");
}

function onKey(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
  if (document.querySelector(".tour-bar")) return; // the tour has the keys
  const step = { j: 1, k: -1, n: 1, p: -1 }[e.key];
  if (!step) return;
  e.preventDefault();
  if (e.key === "j" || e.key === "k") movePara(step);
  else moveNote(step);
}

// after finds, in list (in document order), the element after (step 1)
// or before (step -1) the reader's place: the focused element when it is
// on the page, else the top of the window.
function after(list, step) {
  const a = document.activeElement;
  const i = list.indexOf(a);
  if (i >= 0) return list[i + step];
  if (a && a !== document.body && doc.contains(a)) {
    const bit = step > 0 ? Node.DOCUMENT_POSITION_FOLLOWING : Node.DOCUMENT_POSITION_PRECEDING;
    const found = list.filter((el) => !el.contains(a) && a.compareDocumentPosition(el) & bit);
    return step > 0 ? found[0] : found[found.length - 1];
  }
  return step > 0
    ? list.find((el) => el.getBoundingClientRect().top > 1)
    : list.findLast((el) => el.getBoundingClientRect().top < -1);
}

function movePara(step) {
  const blocks = [...body.querySelectorAll(".blk")].filter((b) => b.querySelector(":scope > .margin a.open"));
  const a = document.activeElement;
  const i = blocks.findIndex((b) => b.contains(a));
  const next = i >= 0 ? blocks[i + step] : after(blocks, step);
  if (!next) return;
  next.querySelector(":scope > .margin a.open").focus({ preventScroll: true });
  show(next.firstElementChild);
}

function moveNote(step) {
  const panel = document.activeElement && document.activeElement.closest(".conversation");
  const list = panel
    ? [...panel.querySelectorAll(".note[data-note]")]
    : [...body.querySelectorAll(".margin a.card[data-note]")].filter((c) => c.offsetParent && !c.closest("[hidden]"));
  const next = after(list, step);
  if (!next) return;
  if (!next.hasAttribute("tabindex")) next.tabIndex = -1;
  next.focus({ preventScroll: true });
  show(next);
}

function show(el) {
  const box = el.getBoundingClientRect();
  if (box.top >= 16 && box.bottom <= innerHeight - 16) return;
  const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
  scrollBy({ top: box.top - Math.min(120, innerHeight / 4), behavior: reduce ? "auto" : "smooth" });
}
