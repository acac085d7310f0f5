// canon.js: the canonical text of a block and the code-point offsets of a
// selection in it. This is the browser twin of glossa/content's
// CanonicalText and Canon (see docs/anchoring.md); both are checked against
// content/testdata/canon-vectors.json, so change them together.
//
// Canonical text of a block element (the one carrying data-anchor): its text,
// leaving out .footnote-ref and .footnote-backref elements, [data-ui]
// subtrees, [data-anchor] elements nested in the block, and script, style and
// template elements; <br> counts as one space; then Unicode NFC, every run of
// white space (the set in SPACE_RUN, not JavaScript's \s) collapsed to one
// space, trimmed. Offsets are Unicode code points, not UTF-16 units.
//
// Exports: canonicalText(el), rangeToOffsets(el, range), canon(str),
// codePoints(str), words(el).

// A run of white space: exactly the set of content.isSpace in Go, not
// JavaScript's \s (which lacks U+0085 and has U+180E in some engines).
const SPACES = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';
const SPACE_RUN = new RegExp(`[${SPACES}]+`, 'gu');
const WORD = new RegExp(`[^${SPACES}]+`, 'gu');
const HIDDEN = new Set(['script', 'style', 'template']);

// codePoints returns the number of code points of str (an emoji is one).
export function codePoints(str) {
  let n = 0;
  for (const _ of str) n++;
  return n;
}

// collapse applies NFC and folds each white-space run to one space. It does
// not trim: callers trim where they need to.
function collapse(str) {
  return str.normalize('NFC').replace(SPACE_RUN, ' ');
}

// canon is the string half of canonicalisation, as content.Canon in Go: for
// text a reader typed, to compare it with a block's canonical text.
export function canon(str) {
  return collapse(str).replace(/^ /, '').replace(/ $/, '');
}

// isExcluded reports whether element e and its subtree are left out of the
// text. anchored says whether e has an ancestor (within the block) carrying
// data-anchor.
function isExcluded(e, anchored) {
  return HIDDEN.has(e.localName) ||
    e.classList.contains('footnote-ref') ||
    e.classList.contains('footnote-backref') ||
    e.hasAttribute('data-ui') ||
    (anchored && e.hasAttribute('data-anchor'));
}

// pieces lists, in document order, the nodes that give el its text: included
// text nodes and <br> elements (as one space), each with its start in the
// joined raw text.
function pieces(el) {
  const out = [];
  let length = 0;
  const add = (node, text) => {
    out.push({ node, text, start: length });
    length += text.length;
  };
  const walk = (node, anchored) => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === Node.TEXT_NODE) {
        add(c, c.data);
      } else if (c.nodeType === Node.ELEMENT_NODE && !isExcluded(c, anchored)) {
        if (c.localName === 'br') add(c, ' ');
        else walk(c, anchored || c.hasAttribute('data-anchor'));
      }
    }
  };
  if (!isExcluded(el, false)) {
    if (el.localName === 'br') add(el, ' ');
    else walk(el, el.hasAttribute('data-anchor'));
  }
  return { list: out, raw: out.map((p) => p.text).join('') };
}

// canonicalText returns the canonical text of block element el.
export function canonicalText(el) {
  return canon(pieces(el).raw);
}

// rawOffset maps a DOM boundary point to an offset (UTF-16 units) in the
// joined raw text. A point outside the included text (in an excluded subtree,
// or between elements) maps to where the next included text starts.
function rawOffset(list, raw, container, offset) {
  const doc = container.ownerDocument || container;
  const probe = doc.createRange();
  for (const p of list) {
    if (p.node === container && p.node.nodeType === Node.TEXT_NODE) {
      return p.start + Math.min(offset, p.text.length);
    }
    probe.setStartBefore(p.node);
    // comparePoint: -1 if the point is before the probe, 0 if at it.
    if (probe.comparePoint(container, offset) <= 0) return p.start;
  }
  return raw.length;
}

// canonOffset maps an offset in the raw text to a code-point offset in its
// canonical text: the length of the canonicalised raw text before it
// (leading white space dropped, a trailing run kept as one space), clipped to
// the whole.
function canonOffset(raw, at, total) {
  const before = collapse(raw.slice(0, at)).replace(/^ /, '');
  return Math.min(codePoints(before), total);
}

// rangeToOffsets maps a DOM Range to {start, end, exact} in code points of
// canonicalText(el), or null if the range does not meet el's text or selects
// only white space. The range is clipped to el; an end inside an excluded
// subtree (a footnote mark, the UI) moves to the nearest included text; an
// end inside a surrogate pair widens to the whole character; white space at
// either end of the selection is dropped.
export function rangeToOffsets(el, range) {
  if (!range || !range.intersectsNode(el)) return null;
  const { list, raw } = pieces(el);
  const text = canon(raw);
  const total = codePoints(text);

  const whole = el.ownerDocument.createRange();
  whole.selectNodeContents(el);
  const clip = range.cloneRange();
  if (clip.compareBoundaryPoints(Range.START_TO_START, whole) < 0) {
    clip.setStart(whole.startContainer, whole.startOffset);
  }
  if (clip.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
    clip.setEnd(whole.endContainer, whole.endOffset);
  }

  let a = rawOffset(list, raw, clip.startContainer, clip.startOffset);
  let b = rawOffset(list, raw, clip.endContainer, clip.endOffset);
  if (splitsPair(raw, a)) a--;
  if (splitsPair(raw, b)) b++;

  let start = canonOffset(raw, a, total);
  let end = canonOffset(raw, b, total);
  const cps = Array.from(text);
  while (start < end && cps[start] === ' ') start++;
  while (end > start && cps[end - 1] === ' ') end--;
  if (start >= end) return null;
  return { start, end, exact: cps.slice(start, end).join('') };
}

// splitsPair reports whether offset i of str falls between the two
// halves of a surrogate pair.
function splitsPair(str, i) {
  if (i <= 0 || i >= str.length) return false;
  const hi = str.charCodeAt(i - 1);
  const lo = str.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

// words lists the words of block element el in order: the runs of
// non-space characters of the text canonicalText reads, each as the DOM
// points {startNode, startOffset, endNode, endOffset}. A word may span
// text nodes (<em>Asia</em>n is one word); a <br> ends one. It is what the
// reader's keyboard word picker steps through; rangeToOffsets turns the
// chosen words into offsets, as it does for a mouse selection.
export function words(el) {
  const out = [];
  let open = null; // the word the previous text node ended inside
  for (const p of pieces(el).list) {
    if (p.node.nodeType !== Node.TEXT_NODE) {
      open = null;
      continue;
    }
    let last = -1;
    for (const m of p.text.matchAll(WORD)) {
      const end = m.index + m[0].length;
      if (open && m.index === 0) {
        open.endNode = p.node;
        open.endOffset = end;
      } else {
        open = { startNode: p.node, startOffset: m.index, endNode: p.node, endOffset: end };
        out.push(open);
      }
      last = end;
    }
    if (p.text.length > 0 && last !== p.text.length) open = null;
  }
  return out;
}
