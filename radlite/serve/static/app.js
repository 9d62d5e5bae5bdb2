// radlite review page: vanilla JS, no build step. Report text is only ever inserted
// with textContent (never innerHTML), and the token lives in sessionStorage.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  token: sessionStorage.getItem("radlite-token") || "",
  mode: "home", job: null, columns: [], reports: [], index: 0, view: null, focus: 0,
  set: null, items: [], item: null, digits: "", digitTimer: null,
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
  return type.includes("json") ? response.json() : response.text();
}

function reviewer() {
  const name = $("#reviewer").value.trim();
  if (!name) { toast("Enter your name as reviewer first.", true); $("#reviewer").focus(); }
  return name;
}

function show(section) {
  for (const id of ["login", "home", "review", "compare"]) $("#" + id).hidden = id !== section;
  state.mode = section;
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
  Object.assign(state, { job: jobId, columns: data.columns, reports: data.reports });
  show("review");
  $("#where").textContent = `job ${jobId} · ${data.task}`;
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
  if (key === "ArrowDown") { event.preventDefault(); return setFocus(state.focus + 1); }
  if (key === "ArrowUp") { event.preventDefault(); return setFocus(state.focus - 1); }
  if (/^[0-9]$/.test(key)) return typeDigit(key);
  const current = state.view.values[state.focus];
  if (key === "x") return save(current.feature, "");
  if (key === "a") return save(current.feature, current.value).then((ok) => ok && setFocus(state.focus + 1));
  if (key === "A") return acceptAll();
  if (key === "Enter") { event.preventDefault(); const input = document.querySelectorAll(".value-input")[state.focus]; input.focus(); input.select(); }
}

// ---- blinded comparison -----------------------------------------------------------

async function loadSet(setId, itemIndex = 0) {
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

// ---- export, keys, routing ----------------------------------------------------------

async function exportCsv() {
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
  document.querySelectorAll(".rate button").forEach((b) => b.addEventListener("click", () => rate(b.dataset.choice)));
  window.addEventListener("hashchange", route);
  const health = await (await fetch("/v1/health")).json();
  if (health.auth && !state.token) return showLogin();
  route();
}

start();
