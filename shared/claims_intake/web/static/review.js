// REVIEW items: which values the intake doubts and why, and what their findings would become once verified.
// Loaded before app.js; app.js calls renderReviewDoubts(item) after drawing the item's actions.
"use strict";

const DOUBT_KINDS = {
  low_confidence: "low OCR confidence",
  repaired: "repaired by the reader",
  derived: "derived, not read",
  low_match_score: "column matched uncertainly",
  unparseable: "could not be parsed",
  unmapped_column: "no column recognised",
  form_uncertain: "page not registered",
  unmapped_columns: "columns not placed",
  blank_on_scan: "read as blank on the scan",
  disagrees_with_record: "disagrees with the plan's records",
};

function renderReviewDoubts(item) {
  const anchor = document.getElementById("item-actions");
  let box = document.getElementById("review-doubts");
  if (!box) {
    box = document.createElement("div");
    box.id = "review-doubts";
    box.className = "review-doubts";
    anchor.after(box);
  }
  box.replaceChildren();
  const doubts = item && item.queue === "REVIEW" ? item.doubts || [] : [];
  box.hidden = doubts.length === 0;
  if (!doubts.length) return;
  const heading = document.createElement("p");
  heading.textContent = "Verify against the upload (correct a value below, or confirm them all with “Verified”):";
  const list = document.createElement("ul");
  for (const doubt of doubts) {
    const entry = document.createElement("li");
    entry.dataset.element = doubt.element;
    entry.dataset.line = doubt.line ?? "";
    const what = document.createElement("b");
    what.textContent = doubt.label || doubt.element;
    const why = document.createElement("span");
    why.textContent = ` — ${DOUBT_KINDS[doubt.kind] || doubt.kind}: ${doubt.reason}`;
    entry.append(what, why);
    if (doubt.would_be && doubt.would_be !== "review") {
      const outcome = document.createElement("div");
      outcome.className = "muted small";
      outcome.textContent = `if confirmed as read: ${doubt.would_be} (${(doubt.rules || []).join(", ")})`;
      entry.append(outcome);
    }
    list.append(entry);
  }
  box.append(heading, list);
}
