// Provider portal: send claims straight to S3 (presigned POSTs from /api/uploads), follow files and claims,
// read a claim in plain words, answer a request for information. Plain JavaScript, no build step; talks only
// to /api (docs/api.md) and to the uploads bucket through the forms the API signs.
"use strict";

const portal = { config: null, token: null, me: null, nextToken: null, claim: null, polling: null };
const TOKENS = "claimsIntakeTokens";          // the staff page's keys: one sign-in serves both pages
const DEV_PROVIDER = "claimsIntakeDevProvider";
const MEDIA_TYPES = {
  pdf: "application/pdf", tif: "image/tiff", tiff: "image/tiff", png: "image/png", jpg: "image/jpeg",
  jpeg: "image/jpeg", csv: "text/csv", txt: "text/plain", xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xlsm: "application/vnd.ms-excel.sheet.macroenabled.12",
};
const UPLOAD_STATES = {
  REQUESTED: "waiting for the file", RECEIVED: "received, being read", PROCESSED: "read",
  QUARANTINED: "not read", FAILED: "being retried", MAPPING_REVIEW: "the plan is checking its columns",
};

const DISPOSITION_WORDS = {
  CLEAN: "accepted", PARTIAL: "partly accepted", DENIED: "denied", REJECTED: "rejected",
  RFI: "information needed", REVIEW: "being checked",
};

const money = (value) => (value === null || value === undefined ? "—" : `$${Number(value).toFixed(2)}`);
const day = (iso) => (iso ? String(iso).slice(0, 10) : "—");
const dates = (from, to) => (!from ? "—" : from === to || !to ? day(from) : `${day(from)} – ${day(to)}`);

function say(text, kind = "ok") {
  const box = $("#message");
  box.className = `message ${kind}`;
  box.textContent = text;
  box.hidden = false;
}

// ---- sign-in -------------------------------------------------------------------------------------
// Deployed: the staff page's Cognito sign-in (index.html keeps the tokens in this tab's sessionStorage; the
// provider account carries custom:provider_npi). Locally: a development provider token for the NPI typed.

async function signIn() {
  portal.config = await (await fetch("config.json", { cache: "no-store" })).json();
  if (portal.config.auth === "dev") {
    const npi = sessionStorage.getItem(DEV_PROVIDER);
    if (npi) {
      portal.token = `dev-provider-${npi}`;
      return true;
    }
    $("#sign-in").hidden = false;
    $("#sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(DEV_PROVIDER, $("#sign-in-npi").value.trim());
      location.reload();
    });
    return false;
  }
  const kept = JSON.parse(sessionStorage.getItem(TOKENS) || "null");
  if (kept && kept.id) {
    portal.token = kept.id;
    return true;
  }
  location.assign(`index.html#/portal`);  // the staff page signs in (hosted UI, PKCE) and sends providers back
  return false;
}

function signOut() {
  sessionStorage.removeItem(DEV_PROVIDER);
  if (portal.config.auth === "dev") location.reload();
  else location.assign("index.html");  // its Sign out revokes the refresh token
}

async function api(path, { method = "GET", body } = {}) {
  const response = await fetch(`${portal.config.apiRoot}/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${portal.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && portal.config.auth !== "dev") {  // the hour-long ID token ran out: sign in again
    sessionStorage.removeItem(TOKENS);
    location.assign("index.html#/portal");
  }
  if (!response.ok) {
    const detail = data.message || (data.detail ? JSON.stringify(data.detail) : response.statusText);
    throw new Error(`${response.status}: ${detail}`);
  }
  return data;
}

// ---- sending files straight to S3 ----------------------------------------------------------------

function mediaType(file) {
  const extension = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  return MEDIA_TYPES[extension] || file.type || "application/octet-stream";
}

// The presigned POST: the signed fields, then the file last. XMLHttpRequest for its upload progress.
function postToS3(presigned, file, progress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
    form.append("file", file);
    const request = new XMLHttpRequest();
    request.open("POST", presigned.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
    });
    request.addEventListener("load", () => (request.status < 300 ? resolve() : reject(new Error(`storage answered ${request.status}`))));
    request.addEventListener("error", () => reject(new Error("the upload did not reach storage")));
    request.send(form);
  });
}

async function sendOne(file, askUrl, list) {
  const progress = el("progress", { max: "100", value: "0", "aria-label": `${file.name} sent` });
  const state = el("span", { class: "state" }, "asking for a link…");
  const row = el("li", { class: "send-row", "data-file": file.name }, el("span", { class: "name" }, file.name), progress, state);
  list.append(row);
  try {
    const presigned = await askUrl(file);
    if (file.size > presigned.max_bytes) throw new Error(`over ${Math.round(presigned.max_bytes / 1048576)} MB`);
    state.textContent = "sending…";
    await postToS3(presigned, file, progress);
    progress.value = 100;
    state.textContent = "sent";
    row.classList.add("done");
    return presigned;
  } catch (error) {
    state.textContent = `not sent: ${error.message}`;
    row.classList.add("failed");
    throw error;
  }
}

async function sendFiles(files) {
  const plan = $("#plan").value || undefined;
  const ask = (file) => api("/uploads", { method: "POST", body: { file_name: file.name, content_type: mediaType(file), plan } });
  await Promise.allSettled([...files].map((file) => sendOne(file, ask, $("#sending"))));
  await loadUploads();
  watchUploads();
}

function setUpDrop() {
  const drop = $("#drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.remove("over"); });
  }
  drop.addEventListener("drop", (event) => sendFiles(event.dataTransfer.files));
  $("#files").addEventListener("change", (event) => {
    sendFiles(event.target.files);
    event.target.value = "";
  });
}

// ---- following files and claims ---------------------------------------------------------------------

async function loadUploads() {
  const page = await api("/uploads?limit=50");
  const body = $("#uploads-table tbody");
  body.replaceChildren(...page.items.map((upload) => el("tr", { "data-status": upload.status },
    el("td", {}, upload.file_name.replace(/^\d{8}T\d{6}Z-[0-9a-f]{8}-/, "")),
    el("td", {}, day(upload.received_at)),
    el("td", { class: `upload-state ${upload.status.toLowerCase()}` },
      upload.expired ? "link expired unused" : UPLOAD_STATES[upload.status] || upload.status,
      upload.reason ? el("div", { class: "small" }, upload.reason) : null),
    el("td", { class: "claims-read" }, upload.claim_ids.length ? `${upload.claim_ids.length} claim(s)` : "—"))));
  $("#uploads-empty").hidden = page.items.length > 0;
  return page.items;
}

// While a file is on its way or being read, look again every few seconds; its claims then appear below.
function watchUploads() {
  if (portal.polling) return;
  portal.polling = setInterval(async () => {
    const items = await loadUploads().catch(() => []);
    await loadClaims().catch(() => {});
    if (!items.some((u) => (u.status === "REQUESTED" && !u.expired) || u.status === "RECEIVED")) {
      clearInterval(portal.polling);
      portal.polling = null;
    }
  }, 3000);
}

function claimQuery(append) {
  const params = new URLSearchParams({ limit: "20" });
  const q = $("#claims-q").value.trim();
  if (q) params.set("q", q);
  if ($("#claims-status").value) params.set("status", $("#claims-status").value);
  if ($("#claims-disposition").value) params.set("disposition", $("#claims-disposition").value);
  if (append && portal.nextToken) params.set("next_token", portal.nextToken);
  return params;
}

function letterLinks(letters) {
  return letters.map((letter) => el("a", { href: letter.url || "#", target: "_blank", rel: "noopener", class: "letter" },
    `${letter.kind} letter`));
}

async function loadClaims(append = false) {
  const page = await api(`/claims?${claimQuery(append)}`);
  portal.nextToken = page.next_token;
  const rows = page.items.map((claim) => el("tr", { tabindex: "0", "data-claim": claim.claim_id,
    onclick: (event) => { if (!event.target.closest("a")) location.hash = `#/claims/${encodeURIComponent(claim.claim_id)}`; },
    onkeydown: (event) => { if (event.key === "Enter") location.hash = `#/claims/${encodeURIComponent(claim.claim_id)}`; } },
  el("td", { class: "mono" }, claim.invoice_number || claim.claim_id),
  el("td", {}, claim.member_name || "—"),
  el("td", {}, dates(claim.service_from, claim.service_to)),
  el("td", { class: "num" }, money(claim.billed)),
  el("td", { class: "num" }, money(claim.allowed)),
  el("td", { class: `disposition ${claim.disposition}` }, DISPOSITION_WORDS[claim.disposition] || claim.disposition),
  el("td", { class: `waiting-on ${claim.waiting_on === "you" ? "you" : ""}` },
    claim.waiting_on === "you" && claim.rfi_due ? `you, by ${day(claim.rfi_due)}` : claim.waiting_on),
  el("td", {}, letterLinks(claim.letters || []))));
  const body = $("#claims-table tbody");
  if (append) body.append(...rows); else body.replaceChildren(...rows);
  $("#claims-more").hidden = !page.next_token;
  $("#claims-empty").hidden = body.children.length > 0;
}

// ---- one claim, in plain words -------------------------------------------------------------------

async function openClaim(claimId) {
  const claim = await api(`/claims/${encodeURIComponent(claimId)}/in-words`);
  portal.claim = claim;
  $("#portal").hidden = true;
  $("#claim").hidden = false;
  $("#claim-title").textContent = `Invoice ${claim.invoice_number || claim.claim_id}`;
  $("#claim-decision").textContent = claim.decision;
  $("#claim-decision").className = `decision ${claim.disposition}`;
  $("#claim-waiting").textContent = `Waiting on ${claim.waiting_on}: ${claim.waiting}`;
  const facts = [["Member", claim.member_name || "—"], ["Plan", claim.plan], ["Received", day(claim.received)],
    ["Billed", money(claim.billed)], ["Allowed", money(claim.allowed)], ["Claim id", claim.claim_id]];
  $("#claim-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
  $("#claim-reasons").replaceChildren(...claim.claim_reasons.map((reason) => el("li", {}, reason.message,
    reason.cite ? el("div", { class: "small muted" }, reason.cite) : null)));
  $("#lines-table tbody").replaceChildren(...claim.lines.map((line) => el("tr", {},
    el("td", {}, line.line_number), el("td", { class: "mono" }, line.procedure || "—"),
    el("td", {}, dates(line.service_from, line.service_to)), el("td", { class: "num" }, line.units ?? "—"),
    el("td", { class: "num" }, money(line.billed)), el("td", { class: "num" }, money(line.allowed)),
    el("td", { class: `line-decision ${line.decision.replace(/ /g, "-").toLowerCase()}` }, line.decision),
    el("td", {}, line.reasons.length ? el("ul", {}, line.reasons.map((r) => el("li", {}, r.message))) : "—"))));
  $("#letters").replaceChildren(...(claim.letters.length ? claim.letters.map((letter) => el("li", {},
    el("a", { href: letter.url || "#", target: "_blank", rel: "noopener", class: "letter" }, `${letter.kind} letter`),
    ` · ${day(letter.at)}`)) : [el("li", { class: "muted" }, "No letter yet.")]));
  showRfi(claim.rfi);
}

// After an answer, look at the claim again every few seconds until the plan's re-check has moved it on.
function followAnswer(claimId, itemId, tries = 60) {
  setTimeout(async () => {
    if (!portal.claim || portal.claim.claim_id !== claimId) return;  // the provider went elsewhere
    const claim = await openClaim(claimId).then(() => portal.claim).catch(() => null);
    const moved = claim && claim.status !== "CHECKED" && !(claim.rfi && claim.rfi.item_id === itemId);
    if (!moved && tries > 1) followAnswer(claimId, itemId, tries - 1);
  }, 3000);
}

function showRfi(rfi) {
  $("#rfi").hidden = !rfi;
  $("#rfi-progress").replaceChildren();
  if (!rfi) return;
  $("#rfi-due").textContent = day(rfi.due);
  $("#rfi-asked").replaceChildren(...rfi.asked.map((reason) => el("li", {}, reason.message)));
  $("#rfi-corrections").replaceChildren(...rfi.correctable.map((value) => el("label", { class: "block" },
    `Correct ${value.element.replace(/_/g, " ")}${value.line ? ` (line ${value.line})` : ""}`,
    el("input", { class: "correction", "data-element": value.element, "data-line": value.line ?? "" }))));
}

async function sendRfiAnswer(event) {
  event.preventDefault();
  const claim = portal.claim;
  const files = [...$("#rfi-files").files];
  const corrections = [...document.querySelectorAll("#rfi-corrections input.correction")]
    .filter((input) => input.value.trim())
    .map((input) => ({ element: input.dataset.element, line: input.dataset.line ? Number(input.dataset.line) : null, value: input.value.trim() }));
  const note = $("#rfi-note").value.trim() || null;
  $("#rfi-send").disabled = true;
  try {
    const path = `/claims/${encodeURIComponent(claim.claim_id)}/rfi`;
    if (corrections.length || note || !files.length) {
      await api(`${path}/answer`, { method: "POST", body: { corrections, note, documents_follow: files.length > 0 } });
    }
    const ask = (file) => api(`${path}/uploads`, { method: "POST", body: { file_name: file.name, content_type: mediaType(file) } });
    for (const file of files) await sendOne(file, ask, $("#rfi-progress"));
    say("Your answer was sent. The plan checks the claim again; this page follows it.");
    followAnswer(claim.claim_id, claim.rfi.item_id);
  } catch (error) {
    say(`The answer was not sent: ${error.message}`, "bad");
  } finally {
    $("#rfi-send").disabled = false;
  }
}

// ---- start -----------------------------------------------------------------------------------------

function showList() {
  $("#claim").hidden = true;
  $("#portal").hidden = false;
  portal.claim = null;
}

async function route() {
  const match = location.hash.match(/^#\/claims\/(.+)$/);
  if (!match) {
    showList();
    await loadClaims();
    return;
  }
  await openClaim(decodeURIComponent(match[1])).catch((error) => say(`Claim: ${error.message}`, "bad"));
}

async function start() {
  if (!(await signIn())) return;
  portal.me = await api("/me");
  $("#whoami").textContent = portal.me.staff ? `${portal.me.user} (staff)` : `provider ${portal.me.provider_npi}`;
  $("#sign-out").addEventListener("click", signOut);
  setUpDrop();
  $("#uploads-refresh").addEventListener("click", () => loadUploads());
  $("#claims-filter").addEventListener("submit", (event) => { event.preventDefault(); loadClaims(); });
  $("#claims-more").addEventListener("click", () => loadClaims(true));
  $("#rfi-form").addEventListener("submit", sendRfiAnswer);
  $("#back").addEventListener("click", (event) => { event.preventDefault(); location.hash = ""; });
  window.addEventListener("hashchange", route);
  $("#portal").hidden = false;
  const uploads = await loadUploads();
  if (uploads.some((u) => u.status === "REQUESTED" || u.status === "RECEIVED")) watchUploads();
  await route();
  document.body.dataset.ready = "true";
}

start().catch((error) => say(`Cannot start: ${error.message}`, "bad"));
