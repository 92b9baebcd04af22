// Staff queue page: plain JavaScript, no build step. Talks only to /api (see docs/api.md).
"use strict";

const state = {
  config: null, token: null, me: null,
  queue: "RFI", items: [], nextToken: null, selected: -1,
  claim: null, item: null,
  crops: new Map(),  // claim id -> (element|line -> crop): a scan does not change
};

// ---- sign-in and API ---------------------------------------------------------------------------

// Cognito hosted UI, authorization code with PKCE: the ID token (1 hour) is renewed with the refresh
// token; signing out revokes the refresh token (and the access tokens issued with it) and ends the
// hosted UI session. Tokens live in sessionStorage only (this tab), never in a cookie.
const TOKENS = "claimsIntakeTokens";
const RETURN_TO = "claimsIntakeReturnTo";
const SIGNED_OUT = "claimsIntakeSignedOut";

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const redirectUri = () => location.origin + location.pathname;

async function cognitoToken(form) {
  const response = await fetch(`${state.config.cognitoDomain}/oauth2/token`, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: state.config.clientId, ...form }),
  });
  if (!response.ok) throw new Error(`sign-in failed (${response.status})`);
  return response.json();
}

function keepTokens(tokens, refreshToken) {
  const kept = { id: tokens.id_token, refresh: tokens.refresh_token || refreshToken };
  sessionStorage.setItem(TOKENS, JSON.stringify(kept));
  state.token = kept.id;
}

async function redirectToLogin() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem("claimsIntakePkce", JSON.stringify({ verifier, nonce }));
  sessionStorage.setItem(RETURN_TO, location.hash);  // a deep link survives the sign-in
  const query = new URLSearchParams({ response_type: "code", client_id: state.config.clientId, redirect_uri: redirectUri(),
    scope: "openid email", code_challenge_method: "S256", code_challenge: challenge, state: nonce });
  location.assign(`${state.config.cognitoDomain}/oauth2/authorize?${query}`);
  throw new Error("signing in");
}

async function signIn() {
  state.config = await (await fetch("config.json", { cache: "no-store" })).json();
  if (sessionStorage.getItem(SIGNED_OUT)) {
    showSignedOut();
    throw new Error("signed out");
  }
  if (state.config.auth === "dev") {
    state.token = state.config.devToken;
    return;
  }
  const query = new URLSearchParams(location.search);
  if (query.get("code")) {
    const pkce = JSON.parse(sessionStorage.getItem("claimsIntakePkce") || "{}");
    sessionStorage.removeItem("claimsIntakePkce");
    history.replaceState(null, "", location.pathname + (sessionStorage.getItem(RETURN_TO) || ""));
    sessionStorage.removeItem(RETURN_TO);
    if (pkce.nonce && query.get("state") === pkce.nonce) {
      keepTokens(await cognitoToken({ grant_type: "authorization_code", code: query.get("code"),
        redirect_uri: redirectUri(), code_verifier: pkce.verifier }));
      return;
    }
  }
  const kept = JSON.parse(sessionStorage.getItem(TOKENS) || "null");
  if (kept && kept.id) {
    state.token = kept.id;
    return;
  }
  await redirectToLogin();
}

async function renewToken() {
  const kept = JSON.parse(sessionStorage.getItem(TOKENS) || "null");
  if (!kept || !kept.refresh) return false;
  try {
    keepTokens(await cognitoToken({ grant_type: "refresh_token", refresh_token: kept.refresh }), kept.refresh);
    return true;
  } catch {
    return false;
  }
}

async function signOut() {
  const kept = JSON.parse(sessionStorage.getItem(TOKENS) || "null");
  sessionStorage.removeItem(TOKENS);
  state.token = null;
  sessionStorage.setItem(SIGNED_OUT, "1");
  if (state.config.auth === "dev") {
    showSignedOut();
    return;
  }
  if (kept && kept.refresh) {  // revoke before leaving: the token is worthless even if it was copied
    await fetch(`${state.config.cognitoDomain}/oauth2/revoke`, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: kept.refresh, client_id: state.config.clientId }),
    }).catch(() => {});
  }
  const query = new URLSearchParams({ client_id: state.config.clientId, logout_uri: redirectUri() });
  location.assign(`${state.config.cognitoDomain}/logout?${query}`);
}

function showSignedOut() {
  document.body.replaceChildren(el("main", { class: "signed-out", id: "signed-out" },
    el("h1", {}, "Claims intake"), el("p", {}, "You are signed out."),
    el("button", { class: "primary", id: "sign-in", onclick: () => {
      sessionStorage.removeItem(SIGNED_OUT);
      location.reload();
    } }, "Sign in")));
}

async function api(path, { method = "GET", body } = {}, retried = false) {
  const response = await fetch(`${state.config.apiRoot}/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${state.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && state.config.auth !== "dev") {
    if (!retried && await renewToken()) return api(path, { method, body }, true);
    sessionStorage.removeItem(TOKENS);
    await redirectToLogin();
  }
  if (!response.ok) {
    const detail = data.message || (data.detail ? JSON.stringify(data.detail) : response.statusText);
    throw new Error(`${response.status}: ${detail}`);
  }
  return data;
}

// ---- formatting --------------------------------------------------------------------------------

const label = (key) => key.replace(/_/g, " ").replace(/\b(npi|tin|cin|zip|dob|id|pos)\b/gi, (w) => w.toUpperCase())
  .replace(/^./, (c) => c.toUpperCase());

function duration(hours) {
  const h = Math.abs(hours);
  if (h < 1) return `${Math.round(h * 60)}m`;
  if (h < 48) return `${Math.floor(h)}h`;
  return `${Math.floor(h / 24)}d ${Math.floor(h % 24)}h`;
}

function dueCell(item) {
  const due = item.due_in;
  const cls = due.overdue ? "clock bad" : due.hours < 48 ? "clock warn" : "clock ok";
  const text = due.overdue ? `overdue ${duration(due.hours)}` : `in ${duration(due.hours)}`;
  return el("span", { class: cls, title: `due ${item.due}` }, text);
}

function cleanClockCell(clock) {
  if (!clock) return el("span", { class: "muted" }, "–");
  if (clock.finalized) {
    return el("span", { class: clock.overdue ? "clock bad" : "clock ok", title: `received ${clock.received}; finalized ${clock.finalized} (due ${clock.due})` },
      `finalized in ${clock.business_days_elapsed} bd`);
  }
  const left = clock.business_days_left;
  const cls = clock.overdue ? "clock bad" : left <= 5 ? "clock warn" : "clock ok";
  const text = clock.overdue ? `${-left} bd over` : `${left} bd left`;
  return el("span", { class: cls, title: `received ${clock.received}; finalize by ${clock.due} (${clock.business_days} business days)` }, text);
}

const pct = (ratio) => (ratio === null || ratio === undefined ? "–" : `${(Number(ratio) * 100).toFixed(1)}%`);

function showMessage(text, kind = "ok") {
  const box = $("#message");
  box.hidden = false;
  box.className = `message ${kind}`;
  box.textContent = text;
}

// ---- metrics -----------------------------------------------------------------------------------

async function loadMetrics() {
  if (!state.me.staff) return;
  const data = await api("/metrics");
  const strip = $("#metrics");
  strip.replaceChildren();
  for (const [queue, counts] of Object.entries(data.queues)) {
    $(`#count-${queue}`).textContent = counts.open;
    strip.append(el("div", { class: "metric", title: `${counts.unassigned} unassigned; oldest ${counts.oldest_days ?? "–"} days` },
      el("b", {}, queue), ` ${counts.open} open`,
      counts.overdue ? el("span", { class: "clock bad" }, ` ${counts.overdue} overdue`) : "",
      counts.due_today ? el("span", { class: "clock warn" }, ` ${counts.due_today} due today`) : "",
      counts.stopped_claims ? el("span", { class: "clock bad", title: "reopened too often: status REVIEW_OVERDUE, the flow stopped" },
        ` ${counts.stopped_claims} left to staff`) : ""));
  }
  if (!Object.keys(data.payment_targets).length) {
    strip.append(el("div", { class: "metric", title: "Kaiser Permanente Claims Guidance for ECM and Community Supports — Claims Submission Policy; Kern Health Systems Policy 17.06-P — IV.B.2" }, "Payment targets: no clean claims yet"));
  }
  for (const [plan, report] of Object.entries(data.payment_targets)) {
    for (const window of [report.within_30_days, report.within_90_days]) {
      const cls = window.met === false ? "bad" : window.still_reachable === false ? "bad" : window.at_risk ? "warn" : "ok";
      strip.append(el("div", { class: `metric target ${cls}`, title: `${report.cite}: ${window.paid_in_time} paid in time, ${window.late} late, ${window.open} open (${window.at_risk} due within 5 days)` },
        el("b", {}, plan.toUpperCase()), ` paid ≤${window.days}d `, el("span", { class: "figure" }, pct(window.ratio)),
        el("span", { class: "muted" }, ` / ${pct(window.target)}`)));
    }
  }
}

// ---- queue -------------------------------------------------------------------------------------

function filterQuery() {
  const params = new URLSearchParams({ queue: state.queue });
  for (const [key, value] of new FormData($("#filters"))) if (value) params.set(key, value);
  return params;
}

async function loadQueue(append = false) {
  const params = filterQuery();
  if (append && state.nextToken) params.set("next_token", state.nextToken);
  const page = await api(`/queue?${params}`);
  state.items = append ? state.items.concat(page.items) : page.items;
  state.nextToken = page.next_token;
  renderQueue();
}

function renderQueue() {
  const body = $("#queue-table tbody");
  body.replaceChildren(...state.items.map((item, index) => el("tr", {
    class: `${index === state.selected ? "selected" : ""} ${state.item && state.item.item_id === item.item_id ? "open" : ""}`,
    "data-claim": item.claim_id, "data-item": item.item_id, tabindex: 0,
    "aria-label": `${item.invoice_number || item.claim_id}, ${item.queue} item due ${item.due.slice(0, 10)}`,
    onclick: () => openItem(index),
    onfocus: () => { state.selected = index; },
    onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); openItem(index); } },
  },
    el("td", {}, el("div", { class: "strong" }, item.invoice_number || item.claim_id), el("div", { class: "muted small" }, item.claim_id)),
    el("td", {}, (item.plan || "").toUpperCase()),
    el("td", { class: "mono" }, item.provider_npi || "–"),
    el("td", { class: "reason", title: item.reason || "" }, el("div", { class: "clamp" }, item.reason || "")),
    el("td", { title: `opened ${item.opened_at}` }, duration(item.age.hours), el("div", {}, dueCell(item))),
    el("td", {}, cleanClockCell(item.clean_claim_clock)),
    el("td", {}, item.assigned_to || el("span", { class: "muted" }, "—")),
  )));
  $("#more").hidden = !state.nextToken;
  $("#queue-empty").hidden = state.items.length > 0;
}

// ---- claim -------------------------------------------------------------------------------------

async function openItem(index) {
  state.selected = index;
  const item = state.items[index];
  if (!item) return;
  await openClaim(item.claim_id, item.item_id);
}

const valueKey = (v) => `${v.element}|${v.line ?? ""}`;

const claimLink = (claimId) => `#/claims/${encodeURIComponent(claimId)}`;

async function openClaim(claimId, itemId, keepMessage = false) {
  // The claim first (fast), then the crops of its scan (the page is rendered and registered server side).
  const claim = await api(`/claims/${encodeURIComponent(claimId)}?crops=false`);
  if (location.hash !== claimLink(claimId)) history.pushState(null, "", claimLink(claimId));  // a link staff can share
  const cached = state.crops.get(claimId);
  for (const v of claim.values || []) Object.assign(v, cached ? cached.get(valueKey(v)) || {} : { loading: true });
  state.claim = claim;
  state.item = claim.queue_items.find((i) => i.item_id === itemId) || claim.queue_items.find((i) => i.status === "OPEN") || null;
  if (!keepMessage) $("#message").hidden = true;
  renderClaim();
  renderQueue();
  if (!cached && (claim.values || []).length) loadCrops(claimId).catch(() => {});
}

async function loadCrops(claimId) {
  const full = await api(`/claims/${encodeURIComponent(claimId)}`);
  const crops = new Map((full.values || []).map((v) => [valueKey(v), { crop: v.crop, crop_problem: v.crop_problem, loading: false }]));
  state.crops.set(claimId, crops);
  if (!state.claim || state.claim.claim_id !== claimId) return;
  for (const v of state.claim.values || []) Object.assign(v, crops.get(valueKey(v)) || {});
  // Fill the scan cells in place: whatever staff are typing stays as it is.
  for (const cell of document.querySelectorAll("#values-table .crop")) {
    const found = crops.get(cell.dataset.key);
    if (found) cell.replaceChildren(cropContent({ ...found, element: cell.dataset.key.split("|")[0], raw: cell.dataset.raw }));
  }
}

function cropContent(entry) {
  if (entry.crop) {
    const name = label(entry.element);
    return el("button", { class: "crop-zoom", type: "button", title: "Zoom", "aria-label": `Zoom the scan of ${name}`,
      onclick: () => zoomCrop(entry.crop, name) }, el("img", { src: entry.crop, alt: `scan of ${name}` }));
  }
  return el("span", { class: "muted small", title: entry.crop_problem || "" },
    entry.raw ? `“${entry.raw}”` : "", entry.loading ? el("span", { class: "loading" }, " loading scan…") : "");
}

function zoomCrop(src, name) {
  const box = $("#zoom");
  $("#zoom-title").textContent = `Scan of ${name}`;
  $("#zoom-image").src = src;
  $("#zoom-image").alt = `scan of ${name}, enlarged`;
  box.showModal();
}

function renderClaim() {
  const claim = state.claim;
  const elements = claim.elements || {};
  $("#placeholder").hidden = true;
  $("#detail").hidden = false;
  $("#claim-title").textContent = `Invoice ${elements.invoice_number || "—"}`;
  $("#claim-sub").textContent = `${claim.claim_id} · ${(claim.plan || "").toUpperCase()} · provider ${elements.billing_provider_npi || "—"} · ${claim.source_kind || ""}`;
  $("#claim-badges").replaceChildren(
    el("span", { class: `badge disp-${claim.disposition}`, id: "claim-disposition" }, claim.disposition),
    el("span", { class: "badge status" }, claim.status),
    cleanClockCell(claim.clean_claim_clock));
  renderActions();
  renderValues();
  renderElements();
  $("#findings").replaceChildren(...(claim.findings || []).map((f) => el("li", { class: `sev-${f.severity}` },
    el("span", { class: "sev" }, f.severity), " ",
    f.line ? el("span", { class: "muted" }, `line ${f.line}: `) : "",
    f.message, el("div", { class: "cite muted small" }, `${f.category} · ${f.cite}`))));
  if (!(claim.findings || []).length) $("#findings").append(el("li", { class: "muted" }, "No findings."));
  $("#lines-table tbody").replaceChildren(...(claim.lines || []).map((line) => el("tr", {},
    el("td", {}, line.line_number),
    el("td", { class: "mono" }, [line.procedure_code, ...(line.procedure_modifiers || [])].filter(Boolean).join("-")),
    el("td", {}, line.service_start_date || "", line.service_end_date && line.service_end_date !== line.service_start_date ? ` – ${line.service_end_date}` : ""),
    el("td", {}, line.unit_count ?? ""),
    el("td", { class: "num" }, line.charge_amount ?? ""),
    el("td", {}, line.disposition ? el("span", { class: `badge disp-${line.disposition}` }, line.disposition) : "",
      line.allowed_amount ? el("span", { class: "muted small" }, ` $${line.allowed_amount}`) : ""))));
  $("#letters").replaceChildren(...(claim.letters || []).map((l) => el("li", {},
    l.url ? el("a", { href: l.url, target: "_blank", rel: "noopener", class: "letter-link" }, el("b", {}, l.kind), " letter (PDF)")
      : el("b", {}, l.kind),
    ` ${l.at.slice(0, 16).replace("T", " ")}`)));
  if (!(claim.letters || []).length) $("#letters").append(el("li", { class: "muted" }, "None yet."));
  $("#audit").replaceChildren(...(claim.audit || []).slice().reverse().map((entry) => el("li", {},
    el("span", { class: "muted small" }, entry.at.slice(0, 19).replace("T", " ")), " ", el("b", {}, entry.actor), " ", entry.action.replace(/_/g, " "),
    entry.action === "correct_value" ? el("span", {}, ` ${entry.details.element}${entry.details.line ? ` (line ${entry.details.line})` : ""}: `,
      el("del", {}, JSON.stringify(entry.details.old_invalid ?? entry.details.old)), " → ", el("ins", {}, JSON.stringify(entry.details.new))) : "",
    entry.note ? el("div", { class: "small" }, `“${entry.note}”`) : "")));
}

function renderActions() {
  const box = $("#item-actions");
  box.replaceChildren();
  const item = state.item;
  if (window.renderReviewDoubts) window.renderReviewDoubts(item);  // review.js: the values to verify and why
  if (state.claim.status === "REVIEW_OVERDUE" && state.me.staff) {
    box.append(el("span", { class: "item-info bad" }, "Nobody verified this claim in time: its flow stopped. "),
      el("button", { id: "action-reopen", class: "primary", onclick: reopenReview }, "Reopen review"));
    return;
  }
  if (!item) {
    box.append(el("span", { class: "muted" }, "This claim has no queue item."));
    return;
  }
  box.append(el("span", { class: "item-info" }, el("b", {}, item.queue), ` item · ${item.status}`,
    item.status === "OPEN" ? [" · due ", dueCell(item)] : "", item.assigned_to ? ` · assigned to ${item.assigned_to}` : ""));
  if (item.status !== "OPEN" || !state.me.staff) return;
  const verify = item.queue === "REVIEW";
  box.append(
    el("button", { id: "action-assign", onclick: assignToMe, disabled: item.assigned_to === state.me.user }, "Assign to me"),
    el("button", { id: "action-answer", class: "primary", onclick: answerItem }, verify ? "Verified – check again" : "Record answer"),
    el("button", { id: "action-extend", onclick: extendItem }, "Extend due date"),
    el("button", { id: "action-reject", class: "danger", onclick: rejectItem }, "Reject"));
}

function valueInput(entry, value) {
  const text = value === null || value === undefined ? "" : String(value);
  const input = el("input", { "data-element": entry.element, "data-line": entry.line ?? "", class: "value-input", title: text,
    "aria-label": `${label(entry.element)}${entry.line ? ` (line ${entry.line})` : ""}` });
  input.value = text;
  const save = el("button", { class: "small-button", hidden: true, title: "Save the corrected value (Enter)" }, "Save");
  const commit = () => correctValue(entry.element, entry.line, input.value);
  input.addEventListener("input", () => { save.hidden = input.value === text; });
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); commit(); } });
  save.addEventListener("click", commit);
  return [input, save];
}

const shown = (value) => (Array.isArray(value) ? value.join(", ") : value);

function renderValues() {
  const values = state.claim.values || [];
  $("#no-values").hidden = values.length > 0;
  $("#values-table").hidden = values.length === 0;
  $("#values-table tbody").replaceChildren(...values.map((entry) => {
    const low = Boolean(entry.doubt);  // the check's doubt: below the plan's OCR threshold, or repaired by the reader
    return el("tr", { class: low || entry.invalid ? "attention" : "", title: entry.doubt || "" },
      el("td", {}, label(entry.element), entry.line ? el("div", { class: "muted small" }, `line ${entry.line}`) : "",
        el("div", { class: "muted small" }, `p${entry.page} · box ${entry.box || ""}`),
        entry.corrected ? el("span", { class: "badge status", title: "corrected by staff" }, "corrected") : ""),
      el("td", { class: "scan-value" },
        el("div", { class: "crop", "data-key": valueKey(entry), "data-raw": entry.raw ?? "" }, cropContent(entry)),
        el("div", { class: "value-row" }, valueInput(entry, entry.invalid ?? shown(entry.value))),
        entry.invalid ? el("div", { class: "bad small" }, "could not be read as a valid value") : ""),
      el("td", { class: low ? "bad" : "muted" }, entry.confidence === null || entry.confidence === undefined ? "" : `${Math.round(entry.confidence * 100)}%`));
  }));
}

const LINE_ELEMENTS = ["procedure_code", "procedure_modifiers", "service_start_date", "service_end_date", "service_name",
  "unit_count", "place_of_service", "diagnosis_codes", "unit_cost", "charge_amount", "rendering_provider_npi"];

function elementRows(entries, line, scanned, invalid, flagged) {
  // Empty elements stay out of the way unless a finding names them or staff ask for them all.
  const wanted = entries.filter(([key, value]) => state.allElements || (value !== null && value !== "" && !(Array.isArray(value) && !value.length))
    || key in invalid || flagged.has(`${key}|${line ?? ""}`));
  const rows = wanted.filter(([key]) => !scanned.has(`${key}|${line ?? ""}`)).map(([key, value]) => el("tr", {
    class: key in invalid || flagged.has(`${key}|${line ?? ""}`) ? "attention" : "" },
    el("th", {}, label(key)),
    el("td", {}, valueInput({ element: key, line }, invalid[key] ?? shown(value)))));
  return { rows, hidden: entries.length - wanted.length };
}

function renderElements() {
  const claim = state.claim;
  const scanned = new Set((claim.values || []).map((v) => `${v.element}|${v.line ?? ""}`));
  const flagged = new Set();
  // Every finding on a line element names its line (Finding.line), so it flags exactly that cell.
  for (const f of (claim.findings || []).filter((f) => f.element)) flagged.add(`${f.element}|${f.line ?? ""}`);
  const head = elementRows(Object.entries(claim.elements || {}), null, scanned, claim.invalid || {}, flagged);
  const rows = [...head.rows];
  let hidden = head.hidden;
  for (const line of claim.lines || []) {
    const entries = LINE_ELEMENTS.map((key) => [key, line[key] ?? null]);
    const part = elementRows(entries, line.line_number, scanned, line.invalid || {}, flagged);
    hidden += part.hidden;
    if (part.rows.length) rows.push(el("tr", { class: "line-head" }, el("td", { colspan: 2 }, `Service line ${line.line_number}`)), ...part.rows);
  }
  if (hidden > 0 || state.allElements) {
    rows.push(el("tr", {}, el("td", { colspan: 2 }, el("button", { class: "toggle", id: "toggle-elements", onclick: () => {
      state.allElements = !state.allElements;
      renderElements();
    } }, state.allElements ? "Hide empty elements" : `Show ${hidden} empty elements`))));
  }
  $("#elements-table tbody").replaceChildren(...rows);
}

// ---- actions -----------------------------------------------------------------------------------

async function act(work, success) {
  try {
    const followUp = await work();
    showMessage(success);
    if (followUp) await followUp();
  } catch (error) {
    showMessage(error.message, "bad");
    return false;
  }
  return true;
}

async function correctValue(element, line, value) {
  const body = { element, value, ...(line ? { line: Number(line) } : {}) };
  await act(async () => {
    const crops = new Map((state.claim.values || []).map((v) => [valueKey(v), { crop: v.crop, crop_problem: v.crop_problem, loading: v.loading }]));
    const claim = await api(`/claims/${encodeURIComponent(state.claim.claim_id)}/values`, { method: "PATCH", body });
    for (const v of claim.values || []) Object.assign(v, crops.get(valueKey(v)) || {});  // the scan did not change
    state.claim = claim;
    state.item = claim.queue_items.find((i) => state.item && i.item_id === state.item.item_id) || state.item;
    renderClaim();
  }, `${label(element)} corrected; the old value is kept in the history.`);
  // Keep typing: focus the next value.
  const inputs = [...document.querySelectorAll("#detail .value-input")];
  const at = inputs.findIndex((i) => i.dataset.element === element && i.dataset.line === String(line ?? ""));
  inputs[at + 1]?.focus();
}

const itemPath = (action) => `/claims/${encodeURIComponent(state.claim.claim_id)}/items/${encodeURIComponent(state.item.item_id)}/${action}`;

async function assignToMe() {
  await act(async () => {
    await api(itemPath("assign"), { method: "POST" });
    return () => refreshAfterAction(false);
  }, "Assigned to you.");
}

function dialog(title, fields) {
  const box = $("#dialog");
  $("#dialog-title").textContent = title;
  $("#dialog-body").replaceChildren(...fields);
  box.showModal();
  return new Promise((resolve) => {
    box.addEventListener("close", () => resolve(box.returnValue === "ok"), { once: true });
  });
}

const readFile = (file) => new Promise((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve({ name: file.name, content_type: file.type || null, content_base64: reader.result.split(",", 2)[1] });
  reader.onerror = () => reject(reader.error);
  reader.readAsDataURL(file);
});

async function answerItem() {
  const verify = state.item.queue === "REVIEW";
  const note = el("textarea", { id: "answer-note", rows: 3, placeholder: verify ? "What you verified (optional)" : "What the provider answered" });
  const files = el("input", { type: "file", id: "answer-documents", multiple: true });
  const fields = [el("label", {}, "Note", note)];
  if (!verify) fields.push(el("label", {}, "Documents from the provider", files));
  fields.push(el("p", { class: "muted small" }, "Correct values in the table first; they are saved as you go. The claim is then checked again."));
  if (!(await dialog(verify ? "Values verified" : "Record the provider's answer", fields))) return;
  await act(async () => {
    const documents = await Promise.all([...(files.files || [])].map(readFile));
    await api(itemPath("answer"), { method: "POST", body: { note: note.value || null, documents } });
    return () => refreshAfterAction(true);
  }, "Recorded; the claim is being checked again.");
}

async function rejectItem() {
  const reason = el("textarea", { id: "reject-reason", rows: 3, required: true, minlength: 3, placeholder: "Reason, in words the provider can act on" });
  if (!(await dialog("Reject the claim", [el("label", {}, "Reason", reason)]))) return;
  await act(async () => {
    await api(itemPath("reject"), { method: "POST", body: { reason: reason.value } });
    return () => refreshAfterAction(true);
  }, "Rejected; the rejection letter follows.");
}

async function extendItem() {
  const current = state.item.due.slice(0, 10);
  const due = el("input", { type: "date", id: "extend-due", required: true, min: current });
  const note = el("input", { id: "extend-note", placeholder: "Why (optional)" });
  if (!(await dialog(`Extend the due date (now ${current})`, [el("label", {}, "New due date", due), el("label", {}, "Note", note)]))) return;
  await act(async () => {
    await api(itemPath("extend"), { method: "POST", body: { due: due.value, note: note.value || null } });
    return () => refreshAfterAction(false);
  }, `Due date moved to ${due.value}.`);
}

async function reopenReview() {
  const note = el("input", { id: "reopen-note", placeholder: "Why (optional)" });
  if (!(await dialog("Reopen the review: the flow opens a new REVIEW item", [el("label", {}, "Note", note)]))) return;
  await act(async () => {
    await api(`/claims/${encodeURIComponent(state.claim.claim_id)}/reopen-review`, { method: "POST", body: { note: note.value || null } });
    state.item = null;  // show the new REVIEW item once the flow opens it, not the expired one
    return () => refreshAfterAction(true);
  }, "Reopened; a new REVIEW item follows.");
}

async function refreshAfterAction(resumed) {
  const claimId = state.claim.claim_id;
  const itemId = state.item && state.item.item_id;
  await openClaim(claimId, itemId, true);
  await loadQueue();
  loadMetrics().catch(() => {});
  if (!resumed) return;
  // The flow checks the claim again asynchronously: watch for the new disposition for a while.
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise((r) => setTimeout(r, 750));
    const claim = await api(`/claims/${encodeURIComponent(claimId)}?crops=false`);
    // Settled: decided (closed, rejected, or an error to look at), or waiting on a new item the flow opened.
    const settled = ["CLOSED", "REJECTED", "ERROR"].includes(claim.status)
      || (claim.status.startsWith("WAITING") && claim.queue_items.some((i) => i.status === "OPEN"));
    if (settled) {
      await openClaim(claimId, itemId, true);
      showMessage(`The claim is now ${claim.disposition} (${claim.status}).`);
      await loadQueue();
      loadMetrics().catch(() => {});
      return;
    }
  }
}

// ---- keyboard and start ------------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select, dialog")) return;
  if (event.key === "j" || event.key === "k") {
    const step = event.key === "j" ? 1 : -1;
    state.selected = Math.max(0, Math.min(state.items.length - 1, state.selected + step));
    renderQueue();
    $("#queue-table tbody tr.selected")?.focus();
  } else if (event.key === "Enter" && state.selected >= 0 && !event.target.closest("tr, button, a")) {
    openItem(state.selected);
  } else if (event.key === "a" && state.item) {
    assignToMe();
  } else if (event.key === "r") {
    loadQueue();
    loadMetrics();
  }
});

// Other screens (search.js, ...) register here and are started once the caller is known.
const startHooks = [];

function claimFromLink() {
  const match = location.hash.match(/^#\/claims\/(.+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function followLink() {
  const claimId = claimFromLink();
  if (claimId && (!state.claim || state.claim.claim_id !== claimId)) {
    await openClaim(claimId).catch((error) => {
      $("#placeholder").hidden = false;
      $("#placeholder").textContent = `Claim ${claimId}: ${error.message}`;
    });
  }
}

async function start() {
  await signIn();
  state.me = await api("/me");
  if (!state.me.staff && location.hash === "#/portal") return location.assign("portal.html");  // signed in for the portal
  $("#whoami").textContent = state.me.staff ? `${state.me.user} (staff)` : `provider ${state.me.provider_npi}`;
  $("#sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", followLink);
  for (const hook of startHooks) hook();
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      document.querySelectorAll(".tab").forEach((t) => {
        t.classList.toggle("active", t === tab);
        t.setAttribute("aria-pressed", String(t === tab));
      });
      state.queue = tab.dataset.queue;
      state.selected = -1;
      loadQueue();
    });
  }
  $("#filters").addEventListener("submit", (event) => { event.preventDefault(); loadQueue(); });
  $("#more").addEventListener("click", () => loadQueue(true));
  await loadQueue();  // the work first; the metrics follow
  if (state.me.staff) MappingReviews.start().catch(() => {});  // mapping.js: workbooks waiting for a column mapping
  await followLink();
  document.body.dataset.ready = "true";
  await loadMetrics();
}

start().catch((error) => {
  if (error.message !== "signing in" && error.message !== "signed out") {
    document.body.prepend(el("div", { class: "message bad" }, `Cannot start: ${error.message}`));
  }
});
