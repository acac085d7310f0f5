// tour.js: the guided tour on the reading page. Without it, each "Guided
// tour" link opens the tour as a page per stop (/read/{slug}/tour). With
// it, the link starts a tour mode on the reading page itself: a small bar
// with "Previous stop" and "Next stop", the keys → or n and ← or p (not
// while typing in a field), Escape to end. Each stop scrolls its paragraph
// into view, focuses it, and says "Stop k of n" politely. The stops are
// the anchors the link carries (data-stops), in reading order. A reader
// who hid the guide layer gets the tour as pages, where the guide shows.

import { blockElement } from "./blocks.js";

const links = document.querySelectorAll("a.tour-link[data-stops]");
for (const link of links) {
  link.addEventListener("click", (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const stops = link.dataset.stops.split(/\s+/).filter(Boolean);
    // With the guide layer hidden, the margins lack the very notes the tour
    // is about: the page-per-stop tour shows them. Likewise when none of
    // the stops is on this page.
    if (document.querySelector('article.doc[data-guide="off"]')) return;
    if (!stops.some((a) => blockElement(a))) return;
    e.preventDefault();
    start(link, stops);
  });
}

let tour = null; // the tour under way

function start(link, anchors) {
  if (tour) tour.end(false);
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const name = link.textContent.trim();

  const bar = document.createElement("section");
  bar.className = "tour-bar";
  bar.setAttribute("aria-label", name);
  const prev = button("Previous stop", "tour-prev");
  const next = button("Next stop", "tour-next");
  const end = button("End tour", "tour-end-btn");
  const status = document.createElement("p");
  status.className = "tour-status";
  status.setAttribute("role", "status");
  bar.append(prev, status, next, end);
  // Key hints only where there are keys: not on a touch screen.
  if (!window.matchMedia("(pointer: coarse)").matches) {
    const keys = document.createElement("p");
    keys.className = "tour-keys";
    keys.textContent = "Keys: → or n, next; ← or p, previous; Esc, end.";
    bar.append(keys);
  }
  // After the reading bar, outside the reading tools (folded on a phone).
  const at = link.closest(".reading-bar") || link.closest("[data-live]") || link.parentElement;
  at.after(bar);

  let k = -1;
  let current = null;

  function go(i) {
    if (i < 0 || i >= anchors.length) return;
    const el = blockElement(anchors[i]);
    if (!el) return;
    if (current) current.classList.remove("tour-current");
    k = i;
    current = el;
    el.classList.add("tour-current");
    if (!el.hasAttribute("tabindex")) el.tabIndex = -1;
    // To the top of the window (less the stop's scroll-margin), not its
    // centre: a stop with a long thread under it on a phone is taller than
    // the window, and centring it would hide the paragraph's first lines.
    el.scrollIntoView({ block: "start", behavior: reduceMotion ? "auto" : "smooth" });
    el.focus({ preventScroll: true });
    status.textContent = `Stop ${k + 1} of ${anchors.length}`;
    prev.disabled = k === 0;
    next.disabled = k === anchors.length - 1;
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])")) return;
    if (e.key === "ArrowRight" || e.key === "n") go(k + 1);
    else if (e.key === "ArrowLeft" || e.key === "p") go(k - 1);
    else if (e.key === "Escape") tour.end(true);
    else return;
    e.preventDefault();
  }

  prev.addEventListener("click", () => go(k - 1));
  next.addEventListener("click", () => go(k + 1));
  end.addEventListener("click", () => tour.end(true));
  document.addEventListener("keydown", onKey);

  tour = {
    end(refocus) {
      document.removeEventListener("keydown", onKey);
      if (current) current.classList.remove("tour-current");
      bar.remove();
      tour = null;
      if (refocus) link.focus();
    },
  };
  go(0);
}

function button(text, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = text;
  return b;
}
