// radlite review page: vanilla JS, no build step. Report text is only ever inserted
// with textContent (never innerHTML), and the token lives in sessionStorage.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  token: sessionStorage.getItem("radlite-token") || "",
  mode: "home", job: null, columns: [], reports: [], index: 0, view: null, focus: 0,
  set: null, items: [], item: null, digits: "", digitTimer: null,
  drafting: false, learn: null,
};

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== "") node.textContent = text;
  return node;
}

function toast(message, isError = false) {
  const box = $("#toast");
  box.textContent = message;
  box.className = isError ? "show error" : "show";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.className = ""; }, isError ? 5000 : 1500);
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.token) headers.Authorization = "Bearer " + state.token;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) { showLogin("The token was not accepted."); throw new Error("unauthorized"); }
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    toast(message, true);
    throw new Error(message);
  }
  const type = response.headers.get("content-type") || "";
  return !options.text && type.includes("json") ? response.json() : response.text();
}

function reviewer() {
  const name = $("#reviewer").value.trim();
  if (!name) { toast("Enter your name as reviewer first.", true); $("#reviewer").focus(); }
  return name;
}

function show(section) {
  for (const id of ["login", "home", "review", "compare", "series"]) $("#" + id).hidden = id !== section;
  state.mode = section;
  if (section !== "review") stopLearnPolling();
  $("#export-btn").hidden = !(section === "review" || section === "compare");
  $("#logout-btn").hidden = !state.token;
}

function showLogin(message = "") {
  show("login");
  $("#login-error").textContent = message;
  $("#token").focus();
}

// ---- home -------------------------------------------------------------------------

async function loadHome() {
  show("home");
  $("#where").textContent = "";
  const [jobs, sets] = await Promise.all([api("/v1/jobs"), api("/v1/compare")]);
  const jobBody = $("#jobs tbody");
  jobBody.replaceChildren();
  for (const job of jobs.jobs) {
    const row = el("tr");
    const link = el("a", { href: "#/job/" + encodeURIComponent(job.id) }, job.id);
    row.append(el("td"), el("td", {}, job.task), el("td", {}, job.state),
      el("td", {}, String(job.done)), el("td", {}, String(job.failed)), el("td", {}, String(job.total)));
    row.firstChild.append(link);
    jobBody.append(row);
  }
  if (!jobs.jobs.length) jobBody.append(el("tr", {}, "No jobs yet: POST /v1/jobs or radlite serve --import-job."));
  const setBody = $("#sets tbody");
  setBody.replaceChildren();
  for (const set of sets.sets) {
    const row = el("tr");
    row.append(el("td"), el("td", {}, set.name), el("td", {}, String(set.items)),
      el("td", {}, String(set.rated_items)));
    row.firstChild.append(el("a", { href: "#/compare/" + encodeURIComponent(set.id) }, set.id));
    setBody.append(row);
  }
  if (!sets.sets.length) setBody.append(el("tr", {}, "No comparison sets: POST /v1/compare."));
}

// ---- review -----------------------------------------------------------------------

async function loadJob(jobId, reportIndex = 0) {
  const data = await api(`/v1/review/${encodeURIComponent(jobId)}/reports`);
  Object.assign(state, { job: jobId, columns: data.columns, reports: data.reports, drafting: !!data.drafting });
  show("review");
  $("#where").textContent = `job ${jobId} · ${data.task}`;
  $("#values").hidden = state.drafting;
  $("#values-hint").hidden = state.drafting;
  $("#impression-pane").hidden = !state.drafting;
  $("#export-btn").textContent = state.drafting ? "Export preferences" : "Export CSV";
  loadLearns(jobId);
  renderReportList();
  if (state.reports.length) await openReport(Math.min(reportIndex, state.reports.length - 1));
}

function renderReportList() {
  const list = $("#report-list");
  list.replaceChildren();
  state.reports.forEach((report, i) => {
    const item = el("button", { class: `report-item ${report.review_state}` + (i === state.index ? " current" : ""), "data-id": report.id });
    item.append(el("span", { class: "rid" }, report.id),
      el("span", { class: "badge " + report.status }, report.status === "ok" ? report.review_state : report.status));
    item.addEventListener("click", () => openReport(i));
    list.append(item);
  });
}

async function openReport(index) {
  state.index = index;
  const report = state.reports[index];
  state.view = await api(`/v1/review/${encodeURIComponent(state.job)}/reports/${encodeURIComponent(report.id)}`);
  state.focus = Math.min(state.focus, state.view.values.length - 1);
  renderReportList();
  renderReport();
  const current = $("#report-list .current");
  if (current) current.scrollIntoView({ block: "nearest" });
}

function segments(text, values) {
  // Split the text at every evidence boundary; each piece lists the features covering it.
  const cuts = new Set([0, text.length]);
  for (const v of values) for (const s of v.evidence) { cuts.add(s.start); cuts.add(s.end); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const features = values.filter((v) => v.evidence.some((s) => s.start <= start && s.end >= end)).map((v) => v.feature);
    pieces.push({ text: text.slice(start, end), features });
  }
  return pieces;
}

function renderReport() {
  const view = state.view;
  $("#report-title").textContent = `${view.id}  (${state.index + 1} / ${state.reports.length})`;
  renderStatus();
  const pre = $("#report-text");
  pre.replaceChildren();
  for (const piece of segments(view.text, view.values)) {
    if (!piece.features.length) { pre.append(document.createTextNode(piece.text)); continue; }
    const mark = el("mark", { "data-features": piece.features.join(" "), title: piece.features.join(", ") }, piece.text);
    pre.append(mark);
  }
  renderValues();
  if (state.drafting) renderImpression();
}

function renderStatus() {
  const view = state.view;
  $("#report-status").textContent = view.status === "ok" ? `review: ${view.review_state}`
    : `model ${view.status}${view.error ? ": " + view.error : ""} · review: ${view.review_state}`;
}

function display(value) { return value === null || value === undefined || value === "" ? "–" : String(value); }

function renderValues() {
  const body = $("#values tbody");
  body.replaceChildren();
  state.view.values.forEach((v, i) => {
    const row = el("tr", { "data-feature": v.feature, class: (i === state.focus ? "focus " : "") + (v.review ? v.review.action : "") });
    const input = el("input", { class: "value-input", size: "4", "aria-label": v.feature });
    input.value = v.value === null || v.value === undefined ? "" : String(v.value);
    input.addEventListener("change", () => save(v.feature, input.value));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === "Escape") { event.preventDefault(); input.blur(); }
      if (event.key === "Enter") save(v.feature, input.value);
      event.stopPropagation();
    });
    const mark = v.review ? (v.review.action === "correct" ? "✎" : "✓") : "";
    row.append(el("td", { class: "fname" }, v.feature), el("td", {}, display(v.model_value)), el("td"),
      el("td", { class: "state", title: v.review ? `${v.review.action} by ${v.review.reviewer}` : "not reviewed" }, mark));
    row.children[2].append(input);
    row.addEventListener("click", () => setFocus(i));
    body.append(row);
  });
  highlightFocus();
}

function setFocus(i) {
  state.focus = Math.max(0, Math.min(i, state.view.values.length - 1));
  state.digits = "";
  document.querySelectorAll("#values tbody tr").forEach((row, j) => row.classList.toggle("focus", j === state.focus));
  highlightFocus();
}

function highlightFocus() {
  const feature = state.view.values[state.focus].feature;
  let first = null;
  document.querySelectorAll("#report-text mark").forEach((m) => {
    const on = m.dataset.features.split(" ").includes(feature);
    m.classList.toggle("active", on);
    if (on && !first) first = m;
  });
  if (first) first.scrollIntoView({ block: "nearest" });
}

async function save(feature, value, quiet = false) {
  const name = reviewer();
  if (!name) return false;
  const values = {};
  values[feature] = value === "" ? null : value;
  return saveValues(values, quiet);
}

async function saveValues(values, quiet = false) {
  const name = reviewer();
  if (!name) return false;
  const id = state.view.id;
  const url = `/v1/review/${encodeURIComponent(state.job)}/reports/${encodeURIComponent(id)}/values`;
  try {
    state.view = await api(url, { method: "PUT", json: { reviewer: name, values } });
  } catch (e) { renderValues(); return false; }
  const summary = state.reports[state.index];
  summary.review_state = state.view.review_state;
  renderReportList();
  renderStatus();
  renderValues();
  if (!quiet) toast("Saved");
  return true;
}

async function acceptAll() {
  const values = {};
  for (const v of state.view.values) if (!v.review) values[v.feature] = v.value;
  if (Object.keys(values).length && !(await saveValues(values, true))) return;
  toast("Accepted");
  if (state.index + 1 < state.reports.length) await openReport(state.index + 1);
}

function typeDigit(digit) {
  const v = state.view.values[state.focus];
  if (v.feature === "size") {
    state.digits += digit;
    clearTimeout(state.digitTimer);
    const typed = state.digits;
    document.querySelectorAll(".value-input")[state.focus].value = typed;
    state.digitTimer = setTimeout(() => { state.digits = ""; save(v.feature, typed); }, 700);
    return;
  }
  save(v.feature, digit).then((ok) => { if (ok) setFocus(state.focus + 1); });
}

function reviewKeys(event) {
  const key = event.key;
  if (key === "j") return state.index + 1 < state.reports.length && openReport(state.index + 1);
  if (key === "k") return state.index > 0 && openReport(state.index - 1);
  if (state.drafting) {
    if (key === "Enter") { event.preventDefault(); $("#impression-text").focus(); }
    return;
  }
  if (key === "ArrowDown") { event.preventDefault(); return setFocus(state.focus + 1); }
  if (key === "ArrowUp") { event.preventDefault(); return setFocus(state.focus - 1); }
  if (/^[0-9]$/.test(key)) return typeDigit(key);
  const current = state.view.values[state.focus];
  if (key === "x") return save(current.feature, "");
  if (key === "a") return save(current.feature, current.value).then((ok) => ok && setFocus(state.focus + 1));
  if (key === "A") return acceptAll();
  if (key === "Enter") { event.preventDefault(); const input = document.querySelectorAll(".value-input")[state.focus]; input.focus(); input.select(); }
}

// ---- impression edits (drafting jobs): the reviewer's text is preferred over the draft --

function myPreference() {
  const name = $("#reviewer").value.trim();
  const prefs = (state.view.impression && state.view.impression.preferences) || [];
  return prefs.find((p) => p.reviewer === name) || null;
}

function renderImpression() {
  const info = state.view.impression || { draft: null, preferences: [] };
  const box = $("#impression-text");
  const mine = myPreference();
  box.value = mine ? mine.chosen : (info.draft || "");
  box.disabled = !info.draft;
  markEdited();
  $("#impression-draft").textContent = info.draft || `No draft (model ${state.view.status}).`;
  const others = info.preferences.filter((p) => p !== mine).map((p) => `${p.reviewer} (${p.accepted ? "accepted" : "edited"})`);
  const parts = [];
  if (mine) parts.push(mine.accepted ? "You accepted the draft." : "You edited the draft.");
  if (others.length) parts.push("Also saved by " + others.join(", ") + ".");
  if (!parts.length) parts.push("Not reviewed yet.");
  $("#impression-state").textContent = parts.join(" ");
}

function markEdited() {
  const info = state.view.impression || {};
  const box = $("#impression-text");
  box.classList.toggle("edited", !!info.draft && box.value.trim() !== info.draft.trim());
}

async function saveImpression() {
  const name = reviewer();
  if (!name || !state.view || !state.drafting) return;
  const text = $("#impression-text").value;
  if (!text.trim()) { toast("The impression is empty.", true); return; }
  const url = `/v1/review/${encodeURIComponent(state.job)}/reports/${encodeURIComponent(state.view.id)}/impression`;
  try {
    state.view = await api(url, { method: "PUT", json: { reviewer: name, text } });
  } catch (e) { return; }
  state.reports[state.index].review_state = state.view.review_state;
  renderReportList();
  renderStatus();
  renderImpression();
  toast(myPreference() && myPreference().accepted ? "Draft accepted" : "Impression saved");
}

// ---- learning: "Train on these reviews" runs a learn job; poll it every second ---------

const LEARN_POLL_MS = 1000;

function stopLearnPolling() {
  if (state.learn && state.learn.timer) clearTimeout(state.learn.timer);
  state.learn = null;
}

async function loadLearns(jobId) {
  stopLearnPolling();
  $("#learn-status").hidden = true;
  $("#learn-result").hidden = true;
  $("#learn-error").textContent = "";
  $("#learn-btn").disabled = false;
  let data;
  try { data = await api(`/v1/review/${encodeURIComponent(jobId)}/learn`); } catch (e) { return; }
  if (state.job !== jobId || !data.learns.length) return;
  renderLearn(data.learns[0]);
}

async function startLearn() {
  if (!state.job) return;
  const body = {};
  if ($("#learn-mine").checked) {
    const name = reviewer();
    if (!name) return;
    body.reader = name;
  }
  $("#learn-btn").disabled = true;
  let started;
  try {
    started = await api(`/v1/review/${encodeURIComponent(state.job)}/learn`, { method: "POST", json: body });
  } catch (e) { $("#learn-btn").disabled = false; return; }
  renderLearn({ learn_id: started.learn_id, job_id: state.job, state: started.state, stage: "queued", fraction: 0 });
}

async function pollLearn(learnId, jobId) {
  if (!state.learn || state.learn.id !== learnId || state.job !== jobId) return;
  let learn;
  try { learn = await api(`/v1/learn/${encodeURIComponent(learnId)}`); } catch (e) {
    if (state.learn && state.learn.id === learnId) state.learn.timer = setTimeout(() => pollLearn(learnId, jobId), 5 * LEARN_POLL_MS);
    return;
  }
  if (!state.learn || state.learn.id !== learnId || state.job !== jobId) return;
  renderLearn(learn);
}

function renderLearn(learn) {
  const running = learn.state === "queued" || learn.state === "running";
  if (!state.learn || state.learn.id !== learn.learn_id) { stopLearnPolling(); state.learn = { id: learn.learn_id, timer: null }; }
  $("#learn-btn").disabled = running;
  $("#learn-status").hidden = !running;
  $("#learn-error").textContent = learn.state === "failed" ? `Learning failed: ${learn.error || "unknown error"}` : "";
  $("#learn-result").hidden = learn.state !== "done" || !learn.result;
  if (running) {
    const fraction = Math.max(0, Math.min(1, Number(learn.fraction) || 0));
    const stage = learn.stage && learn.stage !== learn.state ? `: ${learn.stage}` : "";
    $("#learn-stage").textContent = `${learn.state}${stage} (${Math.round(fraction * 100)}%)`;
    $("#learn-progress").value = fraction;
    const jobId = state.job;
    state.learn.timer = setTimeout(() => pollLearn(learn.learn_id, jobId), LEARN_POLL_MS);
    return;
  }
  if (learn.state === "done" && learn.result) renderLearnResult(learn.result);
}

function figure(value) {
  if (value === null || value === undefined || value === "") return "–";
  const n = Number(value);
  if (typeof value === "boolean" || Number.isNaN(n)) return String(value);
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

function signed(value) {
  const n = Number(value);
  if (value === null || value === undefined || Number.isNaN(n)) return "–";
  return (n > 0 ? "+" : "") + n.toFixed(3);
}

function renderLearnResult(result) {
  const decision = $("#learn-decision");
  decision.textContent = result.promoted ? "Promoted: the candidate is now the model in use." : "Kept current model.";
  decision.className = result.promoted ? "promoted" : "kept";
  const before = result.before || {}, after = result.after || {}, diff = result.difference || {};
  const metrics = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const body = $("#learn-table tbody");
  body.replaceChildren();
  for (const metric of metrics) {
    let change = "–";
    if (metric === diff.metric) change = `${signed(diff.estimate)} (${signed(diff.low)} to ${signed(diff.high)})`;
    else if (typeof before[metric] === "number" && typeof after[metric] === "number") change = signed(after[metric] - before[metric]);
    const row = el("tr", { "data-metric": metric, class: metric === diff.metric ? "primary" : "" });
    row.append(el("td", {}, metric), el("td", {}, figure(before[metric])), el("td", {}, figure(after[metric])), el("td", {}, change));
    body.append(row);
  }
  const sizes = `Trained on ${figure(result.n_train)} reports, compared on ${figure(result.n_heldout)} held-out reports`;
  $("#learn-reason").textContent = `${result.reason || ""}${result.reason ? " · " : ""}${sizes}.`;
}

// ---- blinded comparison -----------------------------------------------------------

async function loadSet(setId, itemIndex = 0) {
  stopLearnPolling();
  $("#export-btn").textContent = "Export CSV";
  const name = reviewer();
  const data = await api(`/v1/compare/${encodeURIComponent(setId)}/items?rater=${encodeURIComponent(name)}`);
  Object.assign(state, { set: setId, items: data.items });
  show("compare");
  $("#where").textContent = `comparison ${data.set.name || setId} (blinded)`;
  if (state.items.length) await openItem(Math.min(itemIndex, state.items.length - 1));
}

function renderItemList() {
  const list = $("#item-list");
  list.replaceChildren();
  state.items.forEach((item, i) => {
    const button = el("button", { class: "report-item" + (item.choice ? " reviewed" : " unreviewed") + (i === state.index ? " current" : "") });
    button.append(el("span", { class: "rid" }, item.id), el("span", { class: "badge" }, item.choice || "–"));
    button.addEventListener("click", () => openItem(i));
    list.append(button);
  });
}

async function openItem(index) {
  state.index = index;
  const id = state.items[index].id;
  state.item = await api(`/v1/compare/${encodeURIComponent(state.set)}/items/${encodeURIComponent(id)}?rater=${encodeURIComponent(reviewer())}`);
  $("#item-title").textContent = `${id}  (${index + 1} / ${state.items.length})`;
  $("#item-context").textContent = state.item.context;
  $("#text-A").textContent = state.item.a;
  $("#text-B").textContent = state.item.b;
  for (const side of ["A", "B"]) $("#card-" + side).classList.toggle("chosen", state.item.choice === side || state.item.choice === "equal");
  renderItemList();
}

async function rate(choice) {
  const name = reviewer();
  if (!name || state.busy) return;
  state.busy = true;
  try { await rateItem(name, choice); } finally { state.busy = false; }
}

async function rateItem(name, choice) {
  const id = state.item.id;
  await api(`/v1/compare/${encodeURIComponent(state.set)}/items/${encodeURIComponent(id)}/rating`, { method: "PUT", json: { rater: name, choice } });
  state.items[state.index].choice = choice;
  toast("Rated " + choice);
  if (state.index + 1 < state.items.length) await openItem(state.index + 1); else await openItem(state.index);
}

function compareKeys(event) {
  const key = event.key;
  if (key === "j") return state.index + 1 < state.items.length && openItem(state.index + 1);
  if (key === "k") return state.index > 0 && openItem(state.index - 1);
  const choice = { 1: "A", 2: "equal", 3: "B" }[key];
  if (choice) return rate(choice);
}

// ---- series: summarise one patient, show the summary, lesion table and size plot ------
// The plot is built with createElementNS + setAttribute + textContent (no markup strings,
// no style attributes: the page's CSP allows neither inline scripts nor inline styles).
// Same design as radlite/tasks/summarize/plot.py: x = exam dates in proportion to time,
// a grey tick marker per modality, one polyline per measured lesion, resolved = hollow
// marker at 0 mm, lesions never measured are left out.

const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"];
const SHAPES = ["circle", "square", "triangle", "diamond", "triangle-down"];
const PLOT = { width: 760, left: 64, right: 736, top: 44, bottom: 300, inset: 24 };

function svgEl(tag, attrs = {}, text = "") {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== "") node.textContent = text;
  return node;
}

function shortText(value, limit = 80) {
  const text = String(value === null || value === undefined ? "" : value).split(/\s+/).filter(Boolean).join(" ");
  return text.length <= limit ? text : text.slice(0, limit - 1) + "…";
}

function modalityShape(modality) {
  const name = String(modality || "").toUpperCase().replace(/\s+/g, "");
  if (name.includes("PET")) return "diamond";
  for (const [prefix, shape] of [["CT", "square"], ["MR", "circle"], ["US", "triangle"], ["XR", "triangle-down"],
    ["CR", "triangle-down"], ["DX", "triangle-down"], ["X-RAY", "triangle-down"], ["RADIOGRAPH", "triangle-down"]]) {
    if (name.startsWith(prefix)) return shape;
  }
  return "ring";
}

function marker(shape, cx, cy, r, colour, hollow = false) {
  const paint = hollow || shape === "ring" ? { fill: "#ffffff", stroke: colour, "stroke-width": shape === "ring" ? 1.5 : 2 }
    : { fill: colour, stroke: "#ffffff", "stroke-width": 1 };
  if (shape === "circle" || shape === "ring") return svgEl("circle", Object.assign({ cx: cx.toFixed(1), cy: cy.toFixed(1), r }, paint));
  if (shape === "square") {
    const s = r * 0.9;
    return svgEl("rect", Object.assign({ x: (cx - s).toFixed(1), y: (cy - s).toFixed(1), width: (2 * s).toFixed(1), height: (2 * s).toFixed(1) }, paint));
  }
  const points = { triangle: [[0, -1.2], [1.1, 0.8], [-1.1, 0.8]], "triangle-down": [[0, 1.2], [1.1, -0.8], [-1.1, -0.8]],
    diamond: [[0, -1.25], [1.1, 0], [0, 1.25], [-1.1, 0]] }[shape];
  return svgEl("polygon", Object.assign({ points: points.map(([dx, dy]) => `${(cx + dx * r).toFixed(1)},${(cy + dy * r).toFixed(1)}`).join(" ") }, paint));
}

function lesionsOf(result) { return (Array.isArray(result.lesions) ? result.lesions : []).filter((l) => l && typeof l === "object"); }
function observationsOf(lesion) { return (Array.isArray(lesion.observations) ? lesion.observations : []).filter((o) => o && typeof o === "object"); }
function sizeOf(obs) { return typeof obs.size_mm === "number" && Number.isFinite(obs.size_mm) && obs.size_mm >= 0 ? obs.size_mm : null; }
function isResolved(obs) { return obs.present === false || obs.status === "resolved" || obs.response === "resolved"; }
function lesionLabel(lesion, i) { return shortText(lesion.label || lesion.site || lesion.lesion_id || `lesion ${i + 1}`); }
function byDate(a, b) { const x = String(a.date || ""), y = String(b.date || ""); return x < y ? -1 : x > y ? 1 : 0; }

function examList(result) {
  const exams = (Array.isArray(result.exams) ? result.exams : []).filter((e) => e && typeof e === "object");
  if (exams.length) return exams;
  const seen = new Map();
  for (const lesion of lesionsOf(result)) for (const obs of observationsOf(lesion)) {
    const key = String(obs.report_id || obs.date || "");
    if (key && !seen.has(key)) seen.set(key, { report_id: obs.report_id, date: obs.date, modality: obs.modality });
  }
  return [...seen.values()].sort(byDate);
}

function datePositions(dates, left, right) {
  const unique = [...new Set(dates)].sort();
  const out = new Map();
  if (unique.length === 1) { out.set(unique[0], (left + right) / 2); return out; }
  const days = unique.map((d) => (/^\d{4}-\d{2}-\d{2}/.test(d) ? Date.parse(d.slice(0, 10) + "T00:00:00Z") : NaN));
  if (days.every((d) => Number.isFinite(d))) {
    const first = Math.min(...days), span = (Math.max(...days) - first) || 1;
    unique.forEach((d, i) => out.set(d, left + (right - left) * (days[i] - first) / span));
  } else {
    unique.forEach((d, i) => out.set(d, left + i * (right - left) / (unique.length - 1)));
  }
  return out;
}

function niceAxis(top) {
  if (!(top > 0)) return [10, 2];
  const raw = top / 5, magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return [Math.ceil(top / step - 1e-9) * step, step];
}

function sizePlot(result) {
  const lesions = lesionsOf(result).filter((l) => observationsOf(l).some((o) => sizeOf(o) !== null));
  const who = result.patient_id ? ` for patient ${shortText(result.patient_id)}` : "";
  if (!lesions.length) {
    const label = `Lesion size over time${who}: No measured lesions`;
    const svg = svgEl("svg", { width: PLOT.width, height: 60, viewBox: `0 0 ${PLOT.width} 60`, role: "img", "aria-label": label, class: "size-plot" });
    svg.append(svgEl("title", {}, label), svgEl("text", { x: PLOT.width / 2, y: 35, "text-anchor": "middle", "font-size": 14, fill: "#6a6f76" }, "No measured lesions"));
    return svg;
  }
  const { left, right, top, bottom, inset, width } = PLOT;
  const exams = examList(result);
  const byReport = new Map(exams.filter((e) => e.report_id !== undefined && e.report_id !== null).map((e) => [String(e.report_id), e]));
  const obsDate = (o) => String(o.date || (byReport.get(String(o.report_id)) || {}).date || "");
  const dates = exams.map((e) => String(e.date || "")).concat(lesions.flatMap((l) => observationsOf(l).map(obsDate))).filter(Boolean);
  const xs = datePositions(dates, left + inset, right - inset);
  const [topMm, step] = niceAxis(Math.max(...lesions.flatMap((l) => observationsOf(l).map((o) => sizeOf(o) || 0))));
  const y = (mm) => bottom - (bottom - top) * mm / topMm;
  const legendTop = bottom + 92, height = legendTop + 20 * lesions.length + 16;
  const title = `Lesion size over time${who}: ${lesions.length} measured lesion${lesions.length === 1 ? "" : "s"}, ${exams.length} exam${exams.length === 1 ? "" : "s"}`;
  const svg = svgEl("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "size-plot" });
  svg.append(svgEl("title", {}, title), svgEl("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }),
    svgEl("text", { x: left, y: 24, "font-size": 14, "font-weight": 600, fill: "#1f2328" }, shortText(`Lesion size (mm) over time${who}`, 90)));
  for (let i = 0; i <= Math.round(topMm / step); i++) {
    const yy = y(i * step).toFixed(1);
    svg.append(svgEl("line", { x1: left, y1: yy, x2: right, y2: yy, stroke: i === 0 ? "#6a6f76" : "#e3e3de" }),
      svgEl("text", { x: left - 8, y: (Number(yy) + 4).toFixed(1), "text-anchor": "end", "font-size": 11, fill: "#1f2328" }, String(+(i * step).toFixed(6))));
  }
  const middle = (top + bottom) / 2;
  svg.append(svgEl("line", { x1: left, y1: top, x2: left, y2: bottom, stroke: "#6a6f76" }),
    svgEl("text", { x: 16, y: middle, "text-anchor": "middle", "font-size": 12, fill: "#1f2328", transform: `rotate(-90 16 ${middle})` }, "size (mm)"));
  const modalities = [];
  for (const exam of exams) {
    const day = String(exam.date || "");
    if (!xs.has(day)) continue;
    const x = xs.get(day), modality = shortText(exam.modality || "", 10);
    if (modality && !modalities.includes(modality)) modalities.push(modality);
    const tick = svgEl("g", { class: "exam-tick", "data-modality": modality });
    tick.append(svgEl("line", { x1: x.toFixed(1), y1: top, x2: x.toFixed(1), y2: bottom, stroke: "#ececea", "stroke-dasharray": "3 3" }),
      marker(modalityShape(modality), x, bottom + 9, 4, "#444444"),
      svgEl("text", { x: x.toFixed(1), y: bottom + 26, "text-anchor": "middle", "font-size": 9, fill: "#444444" }, modality || "?"),
      svgEl("text", { x: x.toFixed(1), y: bottom + 38, "text-anchor": "end", "font-size": 10, fill: "#1f2328", transform: `rotate(-35 ${x.toFixed(1)} ${bottom + 38})` }, shortText(day, 16)));
    svg.append(tick);
  }
  let anyResolved = false;
  lesions.forEach((lesion, i) => {
    const colour = PALETTE[i % PALETTE.length], shape = SHAPES[i % SHAPES.length];
    const points = [];
    for (const obs of observationsOf(lesion)) {
      const day = obsDate(obs), size = sizeOf(obs);
      if (!xs.has(day)) continue;
      if (isResolved(obs)) points.push([xs.get(day), y(0), true]);
      else if (size !== null) points.push([xs.get(day), y(size), false]);
    }
    points.sort((a, b) => a[0] - b[0]);
    anyResolved = anyResolved || points.some((p) => p[2]);
    const group = svgEl("g", { class: "lesion", "data-lesion": String(lesion.lesion_id || ""), "aria-label": lesionLabel(lesion, i) });
    group.append(svgEl("polyline", { points: points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 2, "stroke-linejoin": "round" }));
    for (const [px, py, hollow] of points) group.append(marker(shape, px, py, 5, colour, hollow));
    svg.append(group);
  });
  const legend = svgEl("g", { class: "legend" });
  legend.append(svgEl("text", { x: left, y: legendTop, "font-size": 11, fill: "#1f2328" }, "Exams:"));
  let kx = left + 52;
  for (const modality of modalities) {
    legend.append(marker(modalityShape(modality), kx, legendTop - 4, 4, "#444444"),
      svgEl("text", { x: kx + 8, y: legendTop, "font-size": 11, fill: "#1f2328" }, modality));
    kx += 18 + 7 * modality.length;
  }
  if (anyResolved) legend.append(marker("circle", kx + 16, legendTop - 4, 5, "#1f2328", true),
    svgEl("text", { x: kx + 26, y: legendTop, "font-size": 11, fill: "#1f2328" }, "resolved (drawn at 0 mm)"));
  lesions.forEach((lesion, i) => {
    const colour = PALETTE[i % PALETTE.length], shape = SHAPES[i % SHAPES.length], row = legendTop + 20 * (i + 1);
    legend.append(svgEl("line", { x1: left, y1: row - 4, x2: left + 28, y2: row - 4, stroke: colour, "stroke-width": 2 }),
      marker(shape, left + 14, row - 4, 5, colour),
      svgEl("text", { x: left + 38, y: row, "font-size": 12, fill: "#1f2328", class: "legend-label" }, lesionLabel(lesion, i)));
  });
  svg.append(legend);
  return svg;
}

function observationAt(lesion, exam) {
  const observations = observationsOf(lesion);
  const rid = exam.report_id;
  if (rid !== undefined && rid !== null) {
    const found = observations.find((o) => o.report_id === rid);
    if (found) return found;
  }
  return observations.find((o) => exam.date && o.date === exam.date && (rid === undefined || rid === null || o.report_id === undefined || o.report_id === null)) || null;
}

function cellText(obs) {
  if (!obs) return ["—", ""];
  let size = obs.size_text || (sizeOf(obs) !== null ? `${sizeOf(obs)} mm` : "");
  if (!size) size = obs.present === false ? "absent" : "present, not measured";
  return [String(size), String(obs.status || obs.response || "")];
}

function statementsOf(result) {
  const entries = Array.isArray(result.per_report) ? result.per_report : [];
  const exams = examList(result); // input order, as per_report
  const byId = new Map(exams.map((e) => [e.report_id, e]));
  return entries.map((entry, i) => {
    if (entry && typeof entry === "object") {
      const exam = byId.get(entry.report_id) || {};
      return [entry.date || exam.date || "", entry.modality || exam.modality || "", entry.text || entry.statement || entry.impression || ""];
    }
    const exam = exams.length === entries.length ? exams[i] : {};
    return [exam.date || "", exam.modality || "", entry === null || entry === undefined ? "" : String(entry)];
  });
}

function renderSeries(result) {
  $("#series-result").hidden = false;
  $("#series-title").textContent = `Patient ${display(result.patient_id)}`;
  $("#series-status").textContent = result.status === "failed" ? `failed: ${display(result.error)}` : `Status: ${display(result.status)}`;
  $("#series-summary").textContent = result.summary || "";
  $("#series-plot").replaceChildren(sizePlot(result));
  const exams = examList(result).slice().sort(byDate);
  const head = el("tr");
  head.append(el("th", {}, "Lesion"), el("th", {}, "Site"));
  for (const exam of exams) {
    const th = el("th", {}, display(exam.date));
    th.append(el("br"), el("span", { class: "muted" }, exam.modality ? String(exam.modality) : ""));
    head.append(th);
  }
  $("#series-lesions thead").replaceChildren(head);
  const body = $("#series-lesions tbody");
  body.replaceChildren();
  lesionsOf(result).forEach((lesion, i) => {
    const row = el("tr", { "data-lesion": String(lesion.lesion_id || "") });
    row.append(el("th", { scope: "row" }, String(lesion.label || lesion.lesion_id || `lesion ${i + 1}`)), el("td", {}, lesion.site ? String(lesion.site) : ""));
    for (const exam of exams) {
      const [size, status] = cellText(observationAt(lesion, exam));
      const td = el("td", {}, size);
      if (status) td.append(el("br"), el("span", { class: "muted" }, status));
      row.append(td);
    }
    body.append(row);
  });
  if (!lesionsOf(result).length) body.append(el("tr", {}, "No lesions tracked."));
  const list = $("#series-reports");
  list.replaceChildren();
  for (const [day, modality, text] of statementsOf(result)) {
    const item = el("li");
    for (const tag of [day, modality]) if (tag) item.append(el("span", { class: "tag" }, String(tag)));
    item.append(document.createTextNode(String(text)));
    list.append(item);
  }
}

function parsePatients(text) {
  const trimmed = text.trim();
  if (!trimmed) return [];
  try {
    const value = JSON.parse(trimmed);
    if (Array.isArray(value)) return value;
    if (value && Array.isArray(value.patients)) return value.patients;
    if (value && Array.isArray(value.results)) return value.results;
    return [value];
  } catch (e) { /* JSONL: one object per line */ }
  return trimmed.split(/\r?\n/).map((line, i) => [line.trim(), i + 1]).filter(([line]) => line).map(([line, number]) => {
    try { return JSON.parse(line); } catch (e) { throw new Error(`line ${number} is not valid JSON`); }
  });
}

function refreshSeriesLines() {
  const select = $("#series-line");
  let patients = [];
  try { patients = parsePatients($("#series-text").value); } catch (e) { /* reported on run */ }
  const keep = select.value;
  select.replaceChildren();
  patients.forEach((p, i) => select.append(el("option", { value: String(i) }, `${i + 1}: ${p && typeof p === "object" ? display(p.patient_id || p.id) : "?"}`)));
  select.hidden = patients.length < 2;
  if (keep && Number(keep) < patients.length) select.value = keep;
}

function showSeries() {
  show("series");
  $("#where").textContent = "series summary";
}

async function runSeries() {
  $("#series-error").textContent = "";
  let patients;
  try { patients = parsePatients($("#series-text").value); } catch (e) { $("#series-error").textContent = e.message; return; }
  const patient = patients[Number($("#series-line").value) || 0];
  if (!patient || typeof patient !== "object" || Array.isArray(patient)) {
    $("#series-error").textContent = "Paste a patient as a JSON object first.";
    return;
  }
  if (!Array.isArray(patient.reports)) {
    if ("summary" in patient || "lesions" in patient) return renderSeries(patient); // already summarised
    $("#series-error").textContent = "The patient has no 'reports' list.";
    return;
  }
  let data;
  try { data = await api("/v1/summarize", { method: "POST", json: { patients: [patient] } }); } catch (e) {
    if (e.message !== "unauthorized") $("#series-error").textContent = e.message;
    return;
  }
  const result = Object.assign({}, data.results[0]);
  if (!Array.isArray(result.exams) || !result.exams.length) {
    // an engine without exams: take dates and modalities from the reports sent
    result.exams = patient.reports.filter((r) => r && typeof r === "object")
      .map((r, i) => ({ report_id: r.id !== undefined ? r.id : `report ${i + 1}`, date: r.date, modality: r.modality }));
  }
  renderSeries(result);
}

// ---- export, keys, routing ----------------------------------------------------------

async function exportCsv() {
  if (state.mode === "review" && state.drafting) return exportPreferences();
  const path = state.mode === "review" ? `/v1/review/${encodeURIComponent(state.job)}/export.csv`
    : `/v1/compare/${encodeURIComponent(state.set)}/export.csv`;
  const text = await api(path);
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })),
    download: (state.mode === "review" ? state.job + "-gold" : state.set + "-ratings") + ".csv" });
  document.body.append(link);
  link.click();
  link.remove();
  toast("Exported");
}

async function exportPreferences() {
  const text = await api(`/v1/review/${encodeURIComponent(state.job)}/preferences.jsonl`, { text: true });
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" })),
    download: state.job + "-preferences.jsonl" });
  document.body.append(link);
  link.click();
  link.remove();
  toast("Exported");
}

document.addEventListener("keydown", (event) => {
  if (event.target.matches("input, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") { $("#help").hidden = !$("#help").hidden; return; }
  if (event.key === "Escape") { $("#help").hidden = true; return; }
  if (event.key === "e" && (state.mode === "review" || state.mode === "compare")) return exportCsv();
  if (state.mode === "review" && state.view) return reviewKeys(event);
  if (state.mode === "compare" && state.item) return compareKeys(event);
});

async function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "job" && parts[1]) return await loadJob(parts[1]);
    if (parts[0] === "series") return showSeries();
    if (parts[0] === "compare" && parts[1]) {
      if (!reviewer()) return loadHome();
      return await loadSet(parts[1]);
    }
    return await loadHome();
  } catch (e) { if (e.message !== "unauthorized") console.warn("radlite:", e.message); }
}

async function start() {
  $("#reviewer").value = localStorage.getItem("radlite-reviewer") || "";
  $("#reviewer").addEventListener("change", () => localStorage.setItem("radlite-reviewer", $("#reviewer").value.trim()));
  $("#login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("#token").value.trim();
    sessionStorage.setItem("radlite-token", state.token);
    route();
  });
  $("#logout-btn").addEventListener("click", () => { sessionStorage.removeItem("radlite-token"); state.token = ""; showLogin(); });
  $("#export-btn").addEventListener("click", exportCsv);
  $("#help-btn").addEventListener("click", () => { $("#help").hidden = !$("#help").hidden; });
  $("#series-run").addEventListener("click", runSeries);
  $("#impression-save").addEventListener("click", saveImpression);
  $("#impression-reset").addEventListener("click", () => {
    $("#impression-text").value = (state.view && state.view.impression && state.view.impression.draft) || "";
    markEdited();
  });
  $("#impression-text").addEventListener("input", markEdited);
  $("#impression-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveImpression(); }
    if (event.key === "Escape") $("#impression-text").blur();
  });
  $("#reviewer").addEventListener("change", () => { if (state.mode === "review" && state.drafting && state.view) renderImpression(); });
  $("#learn-btn").addEventListener("click", startLearn);
  $("#series-text").addEventListener("input", refreshSeriesLines);
  $("#series-file").addEventListener("change", async () => {
    const file = $("#series-file").files[0];
    if (!file) return;
    $("#series-text").value = await file.text();
    refreshSeriesLines();
  });
  document.querySelectorAll(".rate button").forEach((b) => b.addEventListener("click", () => rate(b.dataset.choice)));
  window.addEventListener("hashchange", route);
  const health = await (await fetch("/v1/health")).json();
  if (health.auth && !state.token) return showLogin();
  route();
}

start();
