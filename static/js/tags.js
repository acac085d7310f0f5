// tags.js completes tags fields (input[data-tags]). Each audience has its
// own list of tags (a <datalist> the server renders); the field follows
// the audience chosen in its form, and since a field holds several tags
// separated by commas, the suggestions complete the last one and keep the
// ones before it. Without this script the field still suggests its
// audience's tags for the first tag.

const listOf = (field) => field.list || document.getElementById(field.getAttribute("list"));

// The audience select of a form points its tags field at that audience's
// list.
document.addEventListener("change", (e) => {
  const select = e.target.closest("select[name=audience]");
  const field = select?.form?.querySelector("input[data-tags]");
  if (!field) return;
  const id = "tags-" + select.value.replace(":", "-");
  if (document.getElementById(id)) field.setAttribute("list", id);
});

// Each suggestion becomes what the field would hold with that tag as its
// last one.
document.addEventListener("input", (e) => {
  const field = e.target.closest("input[data-tags]");
  const list = field && listOf(field);
  if (!list) return;
  const comma = field.value.lastIndexOf(",");
  const before = comma < 0 ? "" : field.value.slice(0, comma + 1).replace(/\s*$/, " ");
  const chosen = new Set(before.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
  for (const o of list.options) {
    o.dataset.tag ??= o.value;
    o.value = before + o.dataset.tag;
    o.disabled = chosen.has(o.dataset.tag);
  }
});
