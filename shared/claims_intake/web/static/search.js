// Find a claim: the search box in the header, results in place of the queue (GET /api/claims?q=).
// Uses dom.js's el, $ and app.js's api, openClaim and label; started through app.js's startHooks.
"use strict";

const search = { query: "", items: [], nextToken: null };

function showSearch(visible) {
  $("#search-results").hidden = !visible;
  $("#queue-panel").hidden = visible;
}

async function runSearch(append = false) {
  const params = new URLSearchParams({ q: search.query, limit: "25" });
  if (append && search.nextToken) params.set("next_token", search.nextToken);
  const page = await api(`/claims?${params}`);
  search.items = append ? search.items.concat(page.items) : page.items;
  search.nextToken = page.next_token;
  renderSearch();
}

function renderSearch() {
  showSearch(true);
  $("#search-title").textContent = `Claims matching “${search.query}”`;
  $("#search-table tbody").replaceChildren(...search.items.map((claim) => el("tr", {
    tabindex: 0, "data-claim": claim.claim_id,
    "aria-label": `${claim.invoice_number || claim.claim_id}, ${claim.member_name || "member unknown"}, ${claim.disposition}`,
    onclick: () => openClaim(claim.claim_id),
    onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); openClaim(claim.claim_id); } },
  },
    el("td", {}, el("div", { class: "strong" }, claim.invoice_number || "—"), el("div", { class: "muted small" }, claim.claim_id)),
    el("td", {}, claim.member_name || "—", el("div", { class: "muted small mono" }, claim.member_cin || "")),
    el("td", { class: "mono" }, claim.provider_npi || "—"),
    el("td", {}, (claim.plan || "").toUpperCase()),
    el("td", {}, el("span", { class: `badge disp-${claim.disposition}` }, claim.disposition), el("div", { class: "muted small" }, claim.status)),
    el("td", {}, claim.created_at.slice(0, 10)))));
  $("#search-more").hidden = !search.nextToken;
  $("#search-empty").hidden = search.items.length > 0 || Boolean(search.nextToken);
}

function closeSearch() {
  showSearch(false);
  $("#search-q").value = "";
  $("#queue-table tbody tr")?.focus();
}

function startSearch() {
  $("#search").addEventListener("submit", async (event) => {
    event.preventDefault();
    search.query = $("#search-q").value.trim();
    if (search.query.replace(/[^A-Za-z0-9]/g, "").length < 2) {
      $("#search-q").setCustomValidity("Type at least 2 letters or digits");
      $("#search-q").reportValidity();
      return;
    }
    $("#search-q").setCustomValidity("");
    try {
      await runSearch();
      $("#search-table tbody tr")?.focus();
    } catch (error) {
      showSearch(true);
      $("#search-title").textContent = `Search failed: ${error.message}`;
    }
  });
  $("#search-q").addEventListener("input", () => $("#search-q").setCustomValidity(""));
  $("#search-more").addEventListener("click", () => runSearch(true));
  $("#search-close").addEventListener("click", closeSearch);
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && !event.target.closest("input, textarea, select, dialog")) {
      event.preventDefault();
      $("#search-q").focus();
    } else if (event.key === "Escape" && !$("#search-results").hidden && !event.target.closest("dialog")) {
      closeSearch();
    }
  });
}

startHooks.push(startSearch);
