// reader.js enhances the reading page. Without it everything still works
// through the "Annotate" links and the note forms; with it:
//   - selecting words inside one paragraph shows an "Annotate" button;
//   - the button, or a paragraph's "Annotate" link, opens an editor at the
//     top of that paragraph's conversation (conversation.js), beside the
//     paragraph, and saving puts the note there without a reload;
//   - "Edit" and "Delete" on one's own notes work in place too;
//   - the conversation's forms (replies, reactions, resolve, accept,
//     restore) post without a reload, and focus stays where it was;
//   - the guide layer's switch shows or hides guide notes without a reload;
//   - "Re-attach to new words" on a note that lost its words lets its author
//     select the new words in the text;
//   - "Pick words in the text" in a new note's editor lets a keyboard user
//     choose the phrase in the paragraph itself with the arrow keys.
// The server renders every piece of HTML (it answers the same form posts
// with JSON holding the block's new HTML, and the conversation is its
// page's HTML), so there is one template and one set of validation rules.
// After each act the block's summary is swapped and its conversation
// loaded again.

import { rangeToOffsets, words } from "./canon.js";
import { swapBlock } from "./blocks.js";
import { openConversation, reloadConversation, conversationFor } from "./conversation.js";

const doc = document.querySelector("article.doc");
if (doc && !doc.hasAttribute("data-old")) {
  init(doc);
}

function init(doc) {
  const slug = doc.dataset.slug;
  const signedIn = doc.hasAttribute("data-user");
  const body = doc.querySelector(".doc-body");

  // --- the floating "Annotate" button for a selection -------------------
  const floatBtn = document.createElement("button");
  floatBtn.type = "button";
  floatBtn.className = "float-annotate";
  floatBtn.hidden = true;
  floatBtn.textContent = "Annotate";
  document.body.append(floatBtn);
  let pending = null; // {block, start, end, exact}

  function selectionTarget() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const startEl = elementOf(range.startContainer);
    const endEl = elementOf(range.endContainer);
    if (!startEl || !endEl || startEl.closest("[data-ui]") && endEl.closest("[data-ui]")) return null;
    const block = startEl.closest("[data-anchor]");
    if (!block || !body.contains(block) || block !== endEl.closest("[data-anchor]")) return null;
    const off = rangeToOffsets(block, range);
    if (!off) return null;
    return { block, range, ...off };
  }

  function updateFloat() {
    const t = picking ? null : selectionTarget();
    if (!t) {
      floatBtn.hidden = true;
      pending = null;
      return;
    }
    pending = t;
    const rect = t.range.getBoundingClientRect();
    floatBtn.hidden = false;
    const w = floatBtn.offsetWidth;
    const left = Math.min(Math.max(8, rect.left + rect.width / 2 - w / 2), document.documentElement.clientWidth - w - 8);
    floatBtn.style.left = `${left + window.scrollX}px`;
    floatBtn.style.top = `${rect.bottom + window.scrollY + 8}px`;
  }

  let timer = 0;
  document.addEventListener("selectionchange", () => {
    clearTimeout(timer);
    timer = setTimeout(updateFloat, 120);
  });
  // Keep the selection when the button is pressed with a mouse.
  floatBtn.addEventListener("mousedown", (e) => e.preventDefault());
  floatBtn.addEventListener("click", () => {
    if (!pending) return;
    const { block, start, end, exact } = pending;
    floatBtn.hidden = true;
    if (reattaching) {
      reattach(block.dataset.anchor, start, end, exact);
      return;
    }
    if (!signedIn) {
      location.href = "/signin?next=" + encodeURIComponent(location.pathname + "#" + block.dataset.anchor);
      return;
    }
    openEditor(blockWrapper(block), { start, end, exact });
  });

  // --- clicks inside the text: Annotate links, Edit and Delete ----------
  body.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-annotate], a[data-action]");
    if (!a || !signedIn || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    const wrap = a.closest("[data-block]");
    if (!wrap) return;
    e.preventDefault();
    if (a.dataset.annotate) {
      openEditor(wrap, {});
    } else if (a.dataset.action === "edit") {
      openEditor(wrap, { note: a.closest("[data-note]") , href: a.getAttribute("href") });
    } else if (a.dataset.action === "delete") {
      deleteNote(wrap, a);
    }
  });

  // --- re-attaching a note from the "earlier version" list -------------
  // The author selects the new words in the text; "Attach here" posts them
  // to the same form the no-JavaScript page uses.
  let reattaching = null; // {id, version, link}
  const bar = document.createElement("div");
  bar.className = "banner reattach-bar";
  bar.hidden = true;
  bar.tabIndex = -1;
  bar.innerHTML = '<p role="status"></p><p><a data-list>Choose a paragraph from a list instead</a> · <button type="button" class="link" data-stop>Cancel</button></p>';
  body.before(bar);
  const barText = bar.querySelector("[role=status]");
  bar.querySelector("[data-stop]").addEventListener("click", stopReattach);

  doc.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-action=reattach]");
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    reattaching = { id: a.dataset.noteId, version: a.dataset.version, link: a };
    doc.classList.add("reattaching");
    floatBtn.textContent = "Attach here";
    barText.textContent = "Select the words in the essay this note belongs on, then press “Attach here”. Escape cancels.";
    bar.querySelector("[data-list]").href = a.getAttribute("href");
    bar.hidden = false;
    bar.scrollIntoView({ block: "nearest" });
    bar.focus();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && reattaching) stopReattach();
  });

  function stopReattach() {
    const link = reattaching && reattaching.link;
    reattaching = null;
    doc.classList.remove("reattaching");
    floatBtn.textContent = "Annotate";
    bar.hidden = true;
    link?.focus();
  }

  async function reattach(anchor, start, end, exact) {
    const { id, version } = reattaching;
    const form = new URLSearchParams({ anchor, start, end, exact, version });
    try {
      const res = await fetch(`/notes/${encodeURIComponent(id)}/reattach`, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: form,
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        const msgs = Object.values(data.fields || {});
        barText.textContent = (msgs.length ? msgs.join(" ") : data.error || "The note was not moved.") + " Select other words, or cancel.";
        bar.focus();
        return;
      }
      // The note leaves the list and joins a paragraph's margin: the
      // server renders the page anew.
      history.replaceState(null, "", `#${data.anchor}`);
      location.reload();
    } catch {
      barText.textContent = "The note could not be moved. Check your connection and try again.";
    }
  }

  // --- the inline editor ---------------------------------------------
  function openEditor(wrap, opts) {
    closeEditors();
    const anchor = wrap.dataset.block;
    const editing = Boolean(opts.note);
    const form = document.createElement("form");
    form.className = "inline-editor stack";
    form.method = "post";
    form.action = editing ? opts.href : `/read/${slug}/notes`;
    const id = `ed-${anchor}`;
    // A title, not a heading: the editor can open before the essay's first
    // h2, where an h3 would skip a level. It names the form instead.
    form.setAttribute("aria-labelledby", `${id}-title`);
    const quote = opts.exact ? `<p class="quote-line">On <q></q></p>` : "";
    form.innerHTML = `
      <p class="editor-title" id="${id}-title">${editing ? "Edit note" : "New note"}</p>
      ${quote}
      ${editing || opts.exact ? "" : `
      <div class="field">
        <label for="${id}-phrase">Phrase <span class="optional">(optional)</span></label>
        <input id="${id}-phrase" name="phrase" autocomplete="off" aria-describedby="${id}-phrase-help">
        <p class="help" id="${id}-phrase-help">Words from the paragraph, or leave empty for the whole paragraph. You can also select words in the text.</p>
        <p><button type="button" class="link" data-pick>Pick words in the text</button></p>
      </div>`}
      <div class="field">
        <label for="${id}-body">Note</label>
        <textarea id="${id}-body" name="body" rows="5"></textarea>
        <p class="help">Markdown. Leave empty to save a highlight.</p>
      </div>
      <div data-note-fields></div>
      <p class="form-error" role="alert" hidden></p>
      <p class="actions"><button type="submit" class="primary">Save note</button>
        <button type="button" class="link" data-cancel>Cancel</button></p>`;
    form.querySelector("[data-note-fields]").replaceWith(noteFields(id));
    if (opts.exact) {
      form.querySelector("q").textContent = opts.exact;
      for (const [k, v] of Object.entries({ anchor, start: opts.start, end: opts.end, phrase: opts.exact })) {
        form.append(hidden(k, v));
      }
    } else if (!editing) {
      form.append(hidden("anchor", anchor));
    }
    const returnFocus = document.activeElement;
    const cancel = () => {
      form.remove();
      if (opts.note) opts.note.hidden = false;
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    };
    form.querySelector("[data-cancel]").addEventListener("click", cancel);
    const pick = form.querySelector("[data-pick]");
    if (pick) {
      pick.addEventListener("click", () => pickWords(wrap, form, pick));
      // Typed words are looked up leniently again: offsets picked before
      // no longer belong to them.
      form.querySelector("input[name=phrase]").addEventListener("input", () => {
        for (const f of form.querySelectorAll("input[data-picked]")) f.remove();
      });
    }
    // Enter on an "Annotate" link opens the editor on keydown and moves
    // focus into it, so that key's keypress arrives in the phrase field
    // and would submit an empty note at once. Only an Enter pressed inside
    // the form may submit it.
    let enterDown = false;
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter") enterDown = true;
      if (e.key === "Escape") {
        e.preventDefault();
        cancel();
      }
    });
    form.addEventListener("keypress", (e) => {
      if (e.key === "Enter" && !enterDown) e.preventDefault();
    });
    form.addEventListener("keyup", (e) => {
      if (e.key === "Enter") enterDown = false;
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      await submit(form, wrap);
    });

    if (editing) {
      // Load the note's current text and version from its edit form.
      loadEditForm(opts.href, form).then((ok) => {
        if (!ok) return;
        opts.note.hidden = true;
        opts.note.after(form);
        form.querySelector("textarea").focus();
      });
      return;
    }
    // A new note: at the top of the paragraph's conversation, beside it.
    const open = conversationFor(anchor) ? Promise.resolve(conversationFor(anchor)) : openConversation(anchor, { opener: returnFocus, focus: false });
    open.then((panel) => {
      if (!panel) return;
      const at = panel.querySelector(".conv-new") || panel.querySelector(".conv-meta");
      at.after(form);
      form.querySelector(opts.exact ? "textarea" : "input, textarea").focus();
    });
  }

  // --- picking a phrase with the keyboard -------------------------------
  // "Pick words in the text" moves focus into the paragraph, where keys
  // choose words: ← and → move to the previous or next word, Shift with
  // them moves the end of the choice, Home and End go to the first and last
  // word. Enter takes the words as the phrase, with their offsets, exactly
  // as a mouse selection would; Escape (or leaving) goes back to the form.
  // The choice is the page's own selection, so it shows as selected text,
  // and each change is announced for screen readers.
  let picking = null; // {block, form, button, list, a, b}

  function pickWords(wrap, form, button) {
    const block = wrap.querySelector("[data-anchor]");
    const list = block ? words(block) : [];
    if (!list.length) return;
    picking = { block, form, button, list, a: 0, b: 0 };
    block.tabIndex = -1;
    block.classList.add("picking");
    block.addEventListener("keydown", onPickKey);
    block.addEventListener("blur", onPickBlur);
    // Focus without the browser's own jump; showPick brings the paragraph
    // (or, if it is taller than the window, the chosen words) into view,
    // which on a phone is above the form, out of sight.
    block.focus({ preventScroll: true });
    showPick("Choosing words in the paragraph. Arrow keys move, Shift with an arrow key moves the end, Enter takes the words, Escape goes back. ", block);
  }

  function showPick(prefix = "", whole = null) {
    const { block, list, a, b } = picking;
    const r = document.createRange();
    r.setStart(list[a].startNode, list[a].startOffset);
    r.setEnd(list[b].endNode, list[b].endOffset);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    reveal(whole, r);
    const off = rangeToOffsets(block, r);
    announce(prefix + (off ? `Chosen: ${off.exact}` : ""));
  }

  // reveal scrolls the window as little as it takes to show el whole if
  // it fits, else the range (the chosen words); smoothly, unless the
  // reader asked for less motion.
  function reveal(el, range) {
    const margin = 16;
    let box = el?.getBoundingClientRect();
    if (!box || box.height > innerHeight - 2 * margin) box = range.getBoundingClientRect();
    let dy = 0;
    if (box.top < margin) dy = box.top - margin;
    else if (box.bottom > innerHeight - margin) dy = Math.min(box.bottom - innerHeight + margin, box.top - margin);
    if (dy === 0) return;
    const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
    scrollBy({ top: dy, behavior: reduce ? "auto" : "smooth" });
  }

  function onPickKey(e) {
    const p = picking;
    if (!p || e.altKey || e.ctrlKey || e.metaKey) return;
    const last = p.list.length - 1;
    switch (e.key) {
      case "ArrowRight":
        if (e.shiftKey) p.b = Math.min(p.b + 1, last);
        else p.a = p.b = Math.min(p.b + 1, last);
        break;
      case "ArrowLeft":
        if (e.shiftKey) {
          if (p.b > p.a) p.b--;
          else p.a = Math.max(p.a - 1, 0);
        } else p.a = p.b = Math.max(p.a - 1, 0);
        break;
      case "Home":
        p.a = 0;
        if (!e.shiftKey) p.b = 0;
        break;
      case "End":
        p.b = last;
        if (!e.shiftKey) p.a = last;
        break;
      case "Enter":
        e.preventDefault();
        takePick();
        return;
      case "Escape":
        e.preventDefault();
        endPick(p.button);
        return;
      default:
        return;
    }
    e.preventDefault();
    showPick();
  }

  function onPickBlur() {
    // Tab, or a click elsewhere, leaves the choice as it was: not taken.
    if (picking) endPick(null);
  }

  function takePick() {
    const { block, form, list, a, b } = picking;
    const r = document.createRange();
    r.setStart(list[a].startNode, list[a].startOffset);
    r.setEnd(list[b].endNode, list[b].endOffset);
    const off = rangeToOffsets(block, r);
    endPick(null);
    if (!off) return;
    const input = form.querySelector("input[name=phrase]");
    input.value = off.exact;
    for (const f of form.querySelectorAll("input[data-picked]")) f.remove();
    for (const [k, v] of Object.entries({ start: off.start, end: off.end })) {
      const h = hidden(k, v);
      h.dataset.picked = "";
      form.append(h);
    }
    form.querySelector("textarea[name=body]").focus();
    announce(`Phrase: ${off.exact}`);
  }

  function endPick(focus) {
    const { block } = picking;
    picking = null;
    block.removeEventListener("keydown", onPickKey);
    block.removeEventListener("blur", onPickBlur);
    block.classList.remove("picking");
    block.removeAttribute("tabindex");
    window.getSelection()?.removeAllRanges();
    if (focus) focus.focus();
  }

  async function loadEditForm(href, form) {
    const res = await fetch(href, { headers: { Accept: "text/html" } });
    if (!res.ok) {
      location.href = href;
      return false;
    }
    const page = new DOMParser().parseFromString(await res.text(), "text/html");
    const src = page.querySelector("form.note-form");
    if (!src) {
      location.href = href;
      return false;
    }
    form.querySelector("textarea").value = src.querySelector("textarea[name=body]").value;
    // The edit page offers the note's audiences (its own included) and
    // its question box; a reply's page has neither, and neither has its editor.
    const srcAud = src.querySelector("select[name=audience]");
    const aud = form.querySelector("select[name=audience]");
    if (srcAud && aud) {
      const label = form.querySelector(`label[for="${CSS.escape(aud.id)}"]`);
      if (label) label.textContent = "Who can see it";
      aud.replaceChildren(...[...srcAud.options].map((o) => o.cloneNode(true)));
      aud.value = srcAud.value;
      const q = form.querySelector("input[name=question]");
      const srcQ = src.querySelector("input[name=question]");
      if (q && srcQ) q.checked = srcQ.checked;
      const tags = form.querySelector("input[name=tags]");
      const srcTags = src.querySelector("input[name=tags]");
      if (tags && srcTags) tags.value = srcTags.value;
    } else {
      for (const f of form.querySelectorAll(".note-extra")) f.remove();
    }
    form.append(hidden("version", src.querySelector("input[name=version]").value));
    return true;
  }

  async function submit(form, wrap) {
    const btn = form.querySelector("button[type=submit]");
    const err = form.querySelector(".form-error");
    btn.disabled = true;
    err.hidden = true;
    try {
      const res = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        if (data.confirm) askHighlight(form, wrap, data);
        else showError(form, data);
        return;
      }
      replaceBlock(wrap, data.block, data.id);
    } catch {
      err.textContent = "The note could not be sent. Check your connection and try again; your text is still here.";
      err.hidden = false;
    } finally {
      btn.disabled = false;
    }
  }

  // askHighlight asks, in the editor, whether a note without words goes
  // to the audience chosen or stays the reader's own (the server asked:
  // data.confirm), then sends it again with the answer.
  function askHighlight(form, wrap, data) {
    let box = form.querySelector(".confirm");
    if (!box) {
      box = document.createElement("div");
      box.className = "confirm";
      box.setAttribute("role", "alert");
      box.innerHTML = '<p></p><p class="actions"><button type="button" class="primary small" data-keep>Keep it to me</button> <button type="button" class="secondary small" data-share></button></p>';
      form.querySelector(".form-error").before(box);
      const answer = (v) => {
        for (const f of form.querySelectorAll("input[name=highlight]")) f.remove();
        form.append(hidden("highlight", v));
        box.remove();
        submit(form, wrap);
      };
      box.querySelector("[data-keep]").addEventListener("click", () => answer("private"));
      box.querySelector("[data-share]").addEventListener("click", () => answer("share"));
    }
    box.querySelector("p").textContent = data.confirm;
    box.querySelector("[data-share]").textContent = data.share;
    box.querySelector("[data-keep]").focus();
  }

  function showError(form, data) {
    const err = form.querySelector(".form-error");
    const fields = data.fields || {};
    const msgs = Object.values(fields);
    err.textContent = msgs.length ? msgs.join(" ") : data.error || "The note was not saved.";
    err.hidden = false;
    for (const [name] of Object.entries(fields)) {
      const input = form.querySelector(`[name="${name}"]`);
      if (input && input.type !== "hidden") input.setAttribute("aria-invalid", "true");
    }
    err.focus?.();
  }

  async function deleteNote(wrap, a) {
    if (!window.confirm("Delete this note?")) return;
    const res = await fetch(a.getAttribute("href"), {
      method: "POST",
      headers: { Accept: "application/json" },
    });
    if (!res.ok) {
      location.href = a.getAttribute("href");
      return;
    }
    const data = await res.json();
    replaceBlock(wrap, data.block);
  }

  // replaceBlock swaps in the server's fresh summary for a block and loads
  // its conversation again, then puts focus on the note (or the
  // conversation) so keyboard users stay in place.
  async function replaceBlock(wrap, html, noteID) {
    swapBlock(wrap, html); // tells live.js it was the reader's own act
    window.getSelection()?.removeAllRanges();
    const anchor = wrap.dataset.block;
    const panel = conversationFor(anchor)
      ? await reloadConversation(anchor, { note: noteID || "" })
      : await openConversation(anchor, { note: noteID || "", focus: false });
    // The highlight in the text carries data-note too; focus the note itself.
    const note = noteID && panel && panel.querySelector(`.note[data-note="${CSS.escape(noteID)}"]`);
    const focus = note || panel || wrap.querySelector(".margin a.open");
    if (!focus.hasAttribute("tabindex")) focus.tabIndex = -1;
    focus.focus();
    announce(note ? "Note saved." : "Note deleted.");
  }

  // --- the conversation's forms in the margin ---------------------------
  // Each carries data-swap; the server answers with the block's new HTML.
  body.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-swap]");
    if (!form || !signedIn || e.defaultPrevented) return;
    const wrap = form.closest("[data-block]");
    if (!wrap) return; // notes on an earlier version: the plain form
    e.preventDefault();
    swapForm(form, wrap, e.submitter);
  });

  const said = {
    reply: "Reply posted.",
    resolve: "Thread updated.",
    accept: "Accepted answer updated.",
    restore: "Note restored.",
  };

  async function swapForm(form, wrap, submitter) {
    const kind = form.dataset.swap;
    const key = formKey(form);
    const btn = submitter || form.querySelector("button[type=submit]");
    if (btn) btn.disabled = true;
    let err = form.querySelector(".form-error");
    if (err) err.hidden = true;
    try {
      const res = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        if (!err) {
          err = document.createElement("p");
          err.className = "form-error";
          err.setAttribute("role", "alert");
          form.append(err);
        }
        showError(form, data);
        return;
      }
      if (!data.block) {
        location.reload(); // the thread is not in the text (an earlier version)
        return;
      }
      swapBlock(wrap, data.block);
      const fresh = (await reloadConversation(wrap.dataset.block, { note: data.id || "" })) || wrap;
      // Focus: the same control in the fresh conversation (a reaction's
      // button now says its new state), else the note concerned (a new
      // reply).
      let target = null;
      if (kind !== "reply") {
        const same = [...fresh.querySelectorAll("form[data-swap]")].find((f) => formKey(f) === key);
        target = same && same.querySelector("button[type=submit]");
      }
      if (!target && data.id) {
        target = fresh.querySelector(`.note[data-note="${CSS.escape(data.id)}"]`);
        if (target) target.tabIndex = -1;
      }
      target = target || fresh;
      if (!target.hasAttribute("tabindex") && !target.matches("button, a[href]")) target.tabIndex = -1;
      for (let d = target.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
      target.focus();
      if (said[kind]) announce(said[kind]);
    } catch {
      if (!err) return;
      err.textContent = "That could not be sent. Check your connection and try again.";
      err.hidden = false;
    } finally {
      if (btn && document.contains(btn)) btn.disabled = false;
    }
  }

  // formKey names a margin form across a swap: its note, action and kind.
  function formKey(form) {
    const note = form.closest("[data-note]");
    const kind = form.querySelector("input[name=kind]");
    return [note ? note.dataset.note : "", form.getAttribute("action"), kind ? kind.value : ""].join("|");
  }

  // --- "Writing to": the audience of new notes --------------------------
  // Choosing one keeps it (for this reader and essay) at once; editors
  // opened after start from it.
  const writing = doc.querySelector("form[data-writing-to]");
  if (writing) {
    const select = writing.elements.audience;
    writing.querySelector("[data-set]").hidden = true;
    select.addEventListener("change", async () => {
      const res = await fetch(writing.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(writing)),
      }).catch(() => null);
      if (!res || !res.ok) {
        writing.submit();
        return;
      }
      const data = await res.json();
      const tpl = document.getElementById("note-fields");
      for (const o of tpl ? tpl.content.querySelectorAll("select[name=audience] option") : []) {
        o.defaultSelected = o.value === data.audience;
      }
      announce(`Writing to ${data.label}.`);
    });
  }

  // --- the guide layer's switch ------------------------------------------
  const guideForm = doc.querySelector("form[data-guide-toggle]");
  if (guideForm) {
    guideForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const show = guideForm.elements.show.value === "1";
      const res = await fetch(guideForm.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(guideForm)),
      }).catch(() => null);
      if (!res || !res.ok) {
        guideForm.submit();
        return;
      }
      doc.dataset.guide = show ? "on" : "off";
      guideForm.elements.show.value = show ? "0" : "1";
      const btn = guideForm.querySelector("button");
      btn.setAttribute("aria-pressed", String(show));
      btn.querySelector(".toggle-state").textContent = show ? "shown" : "hidden";
      announce(show ? "Guide notes shown." : "Guide notes hidden.");
    });
  }

  function closeEditors() {
    for (const f of body.querySelectorAll("form.inline-editor")) {
      f.remove();
    }
    for (const n of body.querySelectorAll("[data-note][hidden]")) n.hidden = false;
  }
}

// noteFields is the audience select and question box for an editor, from
// the page's template (the server's choices), with ids made from prefix.
function noteFields(prefix) {
  const tpl = document.getElementById("note-fields");
  const frag = document.createDocumentFragment();
  if (!tpl) return frag;
  frag.append(tpl.content.cloneNode(true));
  for (const el of frag.querySelectorAll("[data-field]")) el.id = `${prefix}-${el.dataset.field}`;
  for (const el of frag.querySelectorAll("label[data-for]")) el.htmlFor = `${prefix}-${el.dataset.for}`;
  for (const el of frag.children) el.classList.add("note-extra");
  return frag;
}

function hidden(name, value) {
  const i = document.createElement("input");
  i.type = "hidden";
  i.name = name;
  i.value = String(value);
  return i;
}

function elementOf(node) {
  return node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
}

function blockWrapper(block) {
  return block.closest("[data-block]") || block.querySelector("[data-block]");
}

let live;
function announce(text) {
  if (!live) {
    live = document.createElement("p");
    live.className = "visually-hidden";
    live.dataset.readerStatus = "";
    live.setAttribute("aria-live", "polite");
    document.body.append(live);
  }
  live.textContent = text;
}
