// Mapping reviews: workbooks held because their layout is new and a column is doubtful or unplaced.
// Staff see each column (header, sample values, proposed element, why), confirm or change the elements,
// and the upload is read again with that mapping (POST /api/mapping-reviews/{ref}/confirm). Uses dom.js's el(), $()
// and app.js's api() and showMessage(); app.js calls MappingReviews.start() for staff.
"use strict";

const MappingReviews = (() => {
  const ELEMENTS = [
    "billing_provider_npi", "billing_provider_tin", "billing_provider_name", "billing_provider_first_name",
    "billing_provider_last_name", "billing_provider_phone", "billing_provider_address", "billing_provider_city",
    "billing_provider_state", "billing_provider_zip", "rendering_provider_npi", "member_cin", "medical_record_number",
    "member_first_name", "member_last_name", "member_name", "member_homeless_indicator", "member_address",
    "member_city", "member_zip", "member_dob", "primary_payer_id", "payer_name", "invoice_amount", "invoice_date",
    "invoice_number", "control_number", "authorization_number", "procedure_code", "procedure_modifiers",
    "service_start_date", "service_end_date", "service_date", "service_name", "unit_count", "place_of_service",
    "diagnosis_codes", "unit_cost", "charge_amount", "minutes",
  ];
  const NUMBERED = { procedure_modifiers: 4, diagnosis_codes: 12 };
  const OPTIONS = ELEMENTS.flatMap((key) => [key, ...Array.from({ length: NUMBERED[key] || 0 }, (_, i) => `${key}:${i + 1}`)]);
  const mapping = { reviews: [], open: null };

  function section() {
    let node = $("#mapping-reviews");
    if (!node) {
      node = el("section", { id: "mapping-reviews", class: "mapping", "aria-label": "Column mappings", hidden: true });
      document.querySelector("main")?.append(node) ?? document.body.append(node);
    }
    return node;
  }

  function button() {
    let node = $("#mapping-button");
    if (!node) {
      node = el("button", { id: "mapping-button", type: "button", onclick: toggle }, "Column mappings");
      $("#whoami").after(node);
    }
    return node;
  }

  async function load() {
    mapping.reviews = await api("/mapping-reviews");
    button().textContent = `Column mappings (${mapping.reviews.length})`;
    renderList();
  }

  function toggle() {
    const node = section();
    node.hidden = !node.hidden;
    if (!node.hidden) load();
  }

  function renderList() {
    const node = section();
    node.replaceChildren(el("h2", {}, "Workbooks waiting for a column mapping"));
    if (!mapping.reviews.length) {
      node.append(el("p", { class: "muted" }, "No workbook is waiting."));
      return;
    }
    node.append(el("ul", { class: "plain" }, mapping.reviews.map((review) =>
      el("li", {}, el("button", { type: "button", class: "link", onclick: () => open(review.ref) },
        `${review.filename || review.ref} — provider ${review.provider || "?"} — held ${review.held_at || ""}`)))));
  }

  function select(column) {
    const chosen = column.proposed ?? "";
    return el("select", { "data-column": column.column, "aria-label": `element of column ${column.column}` },
      el("option", { value: "", selected: chosen === "" }, "— not an invoice element —"),
      OPTIONS.map((key) => el("option", { value: key, selected: key === chosen }, label(key))));
  }

  function sheetTable(sheet) {
    return el("table", { class: "grid", "data-signature": sheet.signature },
      el("thead", {}, el("tr", {}, ["Column", "Header", "Sample values", "Element", "Match", "Why"].map((h) => el("th", {}, h)))),
      el("tbody", {}, sheet.columns.map((column) => el("tr", { class: column.doubtful || column.why ? "doubt" : "" },
        el("td", {}, column.column), el("td", {}, column.header), el("td", {}, (column.samples || []).join(" | ")),
        el("td", {}, select(column)), el("td", {}, column.match === undefined ? "–" : pct(column.match)),
        el("td", { class: "muted" }, column.why || (column.doubtful ? "low confidence" : ""))))));
  }

  async function open(ref) {
    mapping.open = await api(`/mapping-reviews/${encodeURIComponent(ref)}`);
    const node = section();
    node.replaceChildren(
      el("h2", {}, `Columns of ${mapping.open.filename || ref}`),
      el("p", { class: "muted" }, "Check each column's element; the provider's next uploads with this layout are read the same way."),
      mapping.open.sheets.map((sheet) => [el("h3", {}, `Sheet ${sheet.sheet} (header row ${sheet.header_row})`),
        (sheet.problems || []).map((text) => el("p", { class: "message bad" }, text)), sheetTable(sheet)]),
      el("menu", {}, el("button", { type: "button", onclick: renderList }, "Back"),
        el("button", { type: "button", class: "primary", onclick: confirm }, "Confirm and read again")));
  }

  async function confirm() {
    const sheets = {};
    for (const table of section().querySelectorAll("table[data-signature]")) {
      const columns = {};
      for (const choice of table.querySelectorAll("select[data-column]")) columns[choice.dataset.column] = choice.value || null;
      sheets[table.dataset.signature] = columns;
    }
    try {
      await api(`/mapping-reviews/${encodeURIComponent(mapping.open.ref)}/confirm`, { method: "POST", body: { sheets } });
      showMessage("Mapping confirmed: the workbook is being read again.");
      await load();
    } catch (error) {
      showMessage(`Not confirmed: ${error.message}`, "bad");
    }
  }

  return { start: load };
})();
