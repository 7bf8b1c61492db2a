// imagegate's Compliance page: sign in, the account's images, an image's Compliance and
// History tabs. Hash routes: #/images?q=&sort=  and  #/images/<digest>?tag=&policy=&base=&tab=
// Every read and write goes through GraphQL (api.js).

import { ApiError, credentials, forget, gql, keep, session } from "./api.js";
import { renderCompliance } from "./compliance.js";
import { badge, fill, h, short, when } from "./dom.js";

const main = document.getElementById("main");
const statusBox = document.getElementById("status");
const PAGE_SIZE = 20;
const PAGE_SIZES = [10, 20, 50, 100];

// ------------------------------------------------------------------ queries

const EVALUATION = `fragment Ev on Evaluation {
  id tag policyId policyRevision status finalAction finalActionReason policyAction evaluatedAt
  baseDigest numberOfFindings problems { severity problemType details }
  policy { id name active }
  findingsByGate { gate count triggers { trigger count findings {
    triggerId gate trigger message action ruleAction policyId ruleId recommendation allowlisted
    allowlistMatch { id name matchedRuleId } inheritedFromBase } } }
}`;

const DETAIL = `query Detail($d: String!, $tag: String, $policy: String, $base: String) {
  image(digest: $d) {
    digest imageId distro distroVersion architecture os size layerCount analyzedAt created
    tags { fullTag }
    ancestors { digest analyzedAt tags { fullTag } }
    evaluation(tag: $tag, policyId: $policy, baseDigest: $base) { ...Ev }
  }
  policies { id name active }
} ${EVALUATION}`;

const EVAL_ONLY = `query Evaluation($d: String!, $tag: String, $policy: String, $base: String) {
  evaluation(digest: $d, tag: $tag, policyId: $policy, baseDigest: $base) { ...Ev }
} ${EVALUATION}`;

const REEVALUATE = `mutation Evaluate($d: String!, $tag: String, $policy: String, $base: String) {
  evaluate(digest: $d, tag: $tag, policyId: $policy, baseDigest: $base) {
    __typename ... on Evaluation { ...Ev } ... on Error { message }
  }
} ${EVALUATION}`;

const STORED = `query Stored($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Evaluation { ...Ev } }
} ${EVALUATION}`;

const HISTORY = `query History($d: String!, $tag: String) {
  image(digest: $d) { evaluations(tag: $tag, first: 200) { totalCount edges { node {
    id tag status finalAction finalActionReason evaluatedAt numberOfFindings baseDigest
    policyId policyRevision policy { name } } } } }
}`;

const IMAGES = `query Images($f: ImageFilter, $o: ImageOrder!, $first: Int, $after: String) {
  images(filter: $f, orderBy: $o, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { digest imageId distro distroVersion analyzedAt
      tags { fullTag evaluation { status finalAction evaluatedAt policy { id name } } } } }
  }
}`;

// ------------------------------------------------------------------ routing

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/images";
  const [path, query = ""] = raw.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(query) };
}

function hashFor(parts, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const path = `#/${parts.map(encodeURIComponent).join("/")}`;
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

export function imageHref(digest, params = {}) {
  return hashFor(["images", digest], params);
}

function say(text) {
  statusBox.textContent = text;
}

function problem(err, retry) {
  const box = h("div", { class: "card error-box", role: "alert" },
    h("h1", { tabindex: "-1" }, "Something went wrong"),
    h("p", {}, err instanceof Error ? err.message : String(err)));
  if (retry) box.append(h("button", { type: "button", class: "primary" }, "Try again"));
  box.querySelector("button")?.addEventListener("click", retry);
  return box;
}

function signedOut(message) {
  forget();
  route(message);
}

function showWho() {
  const s = session();
  document.getElementById("who").hidden = !s;
  document.getElementById("nav").hidden = !s;
  if (s) {
    document.getElementById("who-text").textContent = s.account
      ? `${s.user} · account ${s.account}` : s.user;
  }
}

let detail = null; // the image page on screen: {digest, image, policies, params, ...}

async function route(message) {
  showWho();
  if (!session()) {
    detail = null;
    renderSignIn(message);
    return;
  }
  const { parts, params } = parseHash();
  if (parts[0] === "images" && parts[1]) {
    await showImage(parts[1], params);
  } else {
    detail = null;
    await showImages(params);
  }
}

window.addEventListener("hashchange", () => route());
// The skip link moves focus without touching the hash (the hash is the route).
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  (main.querySelector("h1") || main).focus();
});
document.getElementById("sign-out").addEventListener("click", () => {
  // replaceState fires no hashchange: a second render would wipe what is being typed
  history.replaceState(null, "", "#/images");
  signedOut("Signed out.");
});

function guard(err, retry) {
  if (err instanceof ApiError && err.status === 401) {
    signedOut("Your session ended: sign in again.");
    return;
  }
  detail = null; // the image page, if any, is gone from the screen
  fill(main, problem(err, retry));
  say("");
}

// ------------------------------------------------------------------ sign in

function renderSignIn(message) {
  const view = document.getElementById("tpl-sign-in").content.cloneNode(true);
  fill(main, view);
  const form = document.getElementById("sign-in-form");
  const error = document.getElementById("sign-in-error");
  if (message) {
    error.textContent = message;
    error.hidden = false;
    error.classList.add("info");
  }
  const method = () => form.elements.method.value;
  const sync = () => {
    for (const el of form.querySelectorAll("[data-method]")) {
      const on = el.dataset.method === method();
      el.hidden = !on;
      for (const input of el.querySelectorAll("input")) input.disabled = !on;
    }
  };
  for (const radio of form.elements.method) radio.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    error.classList.remove("info");
    const values = Object.fromEntries(new FormData(form));
    values.method = method();
    const missing = values.method === "key" ? !values.apiKey : !values.username || !values.password;
    if (missing) {
      error.textContent = values.method === "key" ? "Enter an API key." : "Enter a username and a password.";
      error.hidden = false;
      form.querySelector("input:not([disabled]):not([type=radio])").focus();
      return;
    }
    const auth = credentials(values);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say("Signing in…");
    try {
      await gql("query SignIn { activePolicy { id } }", {}, auth);
    } catch (err) {
      button.disabled = false;
      say("");
      error.textContent = err.status === 401 ? "Invalid credentials." : err.message;
      error.hidden = false;
      return;
    }
    keep(auth);
    say("Signed in.");
    if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = "#/images";
    else route();
  });
  document.getElementById(method() === "key" ? "api-key" : "username").focus();
}

// ------------------------------------------------------------------ images list

const SORTS = {
  tag: { asc: "TAG_ASC", desc: "TAG_DESC", first: "asc" },
  distro: { asc: "DISTRO_ASC", desc: "DISTRO_DESC", first: "asc" },
  analyzed: { asc: "ANALYZED_AT_ASC", desc: "ANALYZED_AT_DESC", first: "desc" },
};
const cursorStack = []; // endCursor of each page before the current one
let listKey = "";

function verdictBadge(ev) {
  if (!ev) return h("span", { class: "muted" }, "no verdict");
  const pass = ev.status === "pass";
  return h("span", { class: "verdict-inline" },
    h("span", { class: `pill ${pass ? "pill-pass" : "pill-fail"}` }, pass ? "Pass" : "Fail"),
    " ", badge(ev.finalAction));
}

async function showImages(params, after = null) {
  const q = params.get("q") || "";
  const sort = params.get("sort") || "analyzed:desc";
  const wanted = Number.parseInt(params.get("size") || "", 10);
  const size = Number.isFinite(wanted) ? Math.min(Math.max(wanted, 1), 100) : PAGE_SIZE;
  const here = { q, sort: sort === "analyzed:desc" ? "" : sort, size: size === PAGE_SIZE ? "" : size };
  const [column, direction] = sort.split(":");
  const order = (SORTS[column] || SORTS.analyzed)[direction === "asc" ? "asc" : "desc"];
  const key = `${q}|${sort}|${size}`;
  if (key !== listKey) {
    cursorStack.length = 0;
    listKey = key;
    after = null;
  }
  say("Loading images…");
  let result;
  try {
    result = await gql(IMAGES, { f: q ? { search: q } : null, o: order, first: size, after },
      session(), { partial: true });
    if (!result.images) throw new ApiError(result.errors[0].message);
  } catch (err) {
    guard(err, () => showImages(params, after));
    return;
  }
  const fieldErrors = result.errors || [];
  result = result.images;
  const start = cursorStack.length * size;
  const search = h("input", { type: "search", id: "image-search", value: q, autocomplete: "off",
    placeholder: "tag, digest, image id or distro" });
  const sortSelect = h("select", { id: "image-sort" }, [
    ["analyzed:desc", "Newest analyzed"], ["analyzed:asc", "Oldest analyzed"],
    ["tag:asc", "Tag A–Z"], ["tag:desc", "Tag Z–A"],
    ["distro:asc", "Distro A–Z"], ["distro:desc", "Distro Z–A"],
  ].map(([value, label]) => h("option", { value, selected: value === sort }, label)));
  sortSelect.addEventListener("change", () => {
    location.hash = hashFor(["images"], { ...here, sort: sortSelect.value === "analyzed:desc" ? "" : sortSelect.value });
  });
  const form = h("form", { class: "search", role: "search", "aria-label": "Images" },
    h("label", { for: "image-search" }, "Search images"), search,
    h("button", { type: "submit" }, "Search"),
    h("span", { class: "sort-by" }, h("label", { for: "image-sort" }, "Sort by"), sortSelect));
  let pending = 0;
  const go = () => {
    location.hash = hashFor(["images"], { ...here, q: search.value.trim() });
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(pending);
    go();
  });
  search.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(go, 400);
  });

  const header = (name, label) => {
    const on = column === name;
    const next = on ? (direction === "asc" ? "desc" : "asc") : SORTS[name].first;
    const th = h("th", { scope: "col", "aria-sort": on ? (direction === "asc" ? "ascending" : "descending") : null },
      h("a", { href: hashFor(["images"], { ...here, sort: `${name}:${next}` }), class: "sort",
        "aria-label": `${label}: sort ${next === "asc" ? "ascending" : "descending"}` },
      label, h("span", { class: "arrow", "aria-hidden": "true" }, on ? (direction === "asc" ? " ▲" : " ▼") : " ↕")));
    return th;
  };
  const rows = result.edges.map(({ node }) => {
    const tags = node.tags.length
      ? h("ul", { class: "tag-list" }, node.tags.map((t) => h("li", {},
        h("a", { href: imageHref(node.digest, { tag: t.fullTag }) }, t.fullTag), " ",
        verdictBadge(t.evaluation))))
      : h("a", { href: imageHref(node.digest) }, "untagged");
    return h("tr", { "data-digest": node.digest },
      h("td", { "data-label": "Tags and latest verdict" }, tags),
      h("td", { "data-label": "Distro" }, node.distro ? `${node.distro} ${node.distroVersion || ""}`.trim() : "—"),
      h("td", { "data-label": "Analyzed" }, h("time", { datetime: node.analyzedAt }, when(node.analyzedAt))),
      h("td", { "data-label": "Digest" }, h("code", { title: node.digest }, short(node.digest))));
  });
  const table = result.edges.length
    ? h("div", { class: "table-wrap" }, h("table", { class: "images" },
      h("caption", { class: "sr-only" }, "Images of the account with the latest verdict per tag"),
      h("thead", {}, h("tr", {}, header("tag", "Tags and latest verdict"), header("distro", "Distro"),
        header("analyzed", "Analyzed"), h("th", { scope: "col" }, "Digest"))),
      h("tbody", {}, rows)))
    : h("p", { class: "empty" }, q ? `No image matches “${q}”.` : "No images yet: add one with `imagegate image add`.");
  const prev = h("button", { type: "button", disabled: cursorStack.length === 0 }, "Previous page");
  const next = h("button", { type: "button", disabled: !result.pageInfo.hasNextPage }, "Next page");
  prev.addEventListener("click", () => {
    cursorStack.pop();
    showImages(params, cursorStack.length ? cursorStack[cursorStack.length - 1] : null);
  });
  next.addEventListener("click", () => {
    cursorStack.push(result.pageInfo.endCursor);
    showImages(params, result.pageInfo.endCursor);
  });
  const range = result.totalCount
    ? `${start + 1}–${start + result.edges.length} of ${result.totalCount}` : "0 images";
  const sizes = PAGE_SIZES.includes(size) ? PAGE_SIZES : [...PAGE_SIZES, size].sort((a, b) => a - b);
  const perPage = h("select", { id: "page-size" },
    sizes.map((n) => h("option", { value: String(n), selected: n === size }, String(n))));
  perPage.addEventListener("change", () => {
    location.hash = hashFor(["images"], { ...here, size: perPage.value === String(PAGE_SIZE) ? "" : perPage.value });
  });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" }, prev,
    h("span", { "data-testid": "range" }, range), next,
    h("label", { for: "page-size" }, "Per page"), perPage);
  const hadFocus = document.activeElement && document.activeElement.id;
  const warning = fieldErrors.length
    ? h("p", { class: "error-box", role: "alert" },
      `Some verdicts could not be computed: ${fieldErrors[0].message}`) : null;
  fill(main, h("h1", { tabindex: "-1" }, "Images"), form, warning, table, pager);
  say(`${range}.`);
  if (hadFocus === "image-search") {
    search.focus();
    search.setSelectionRange(search.value.length, search.value.length);
  } else if (after !== null) {
    (result.pageInfo.hasNextPage ? next : prev).focus();
  }
  document.title = "Images — imagegate";
}

// ------------------------------------------------------------------ image page

function policyLabel(p) {
  const name = p.name && p.name !== p.id ? `${p.name} (${p.id})` : p.id;
  return p.active ? `${name} — active` : name;
}

function evalVars(digest, params) {
  const base = params.get("base") || "none";
  return { d: digest, tag: params.get("tag") || null, policy: params.get("policy") || null,
    base: base === "none" ? null : base };
}

function selectedTab(params) {
  return params.get("tab") === "history" ? "history" : "compliance";
}

async function showImage(digest, params) {
  const same = detail && detail.digest === digest;
  if (same) {
    const changed = ["tag", "policy", "base", "eval"].some((k) => (detail.params.get(k) || "") !== (params.get(k) || ""));
    detail.params = params;
    syncControls();
    if (changed) {
      detail.history = null;
      await loadEvaluation();
    }
    showTab(selectedTab(params), false);
    return;
  }
  say("Loading image…");
  let data;
  try {
    performance.mark("detail-request");
    data = await gql(DETAIL, evalVars(digest, params));
    performance.mark("detail-data");
  } catch (err) {
    guard(err, () => { detail = null; showImage(digest, params); });
    return;
  }
  if (!data.image) {
    fill(main, h("div", { class: "card", role: "alert" }, h("h1", { tabindex: "-1" }, "Image not found"),
      h("p", {}, `No image ${digest} in this account.`), h("p", {}, h("a", { href: "#/images" }, "Back to images"))));
    say("");
    return;
  }
  detail = { digest, image: data.image, policies: data.policies, params, evaluation: data.image.evaluation, history: null };
  buildImagePage();
  showTab(selectedTab(params), false);
  if (params.get("eval")) await loadEvaluation();
  else renderEvaluation(data.image.evaluation);
  main.querySelector("h1").focus();
}

function buildImagePage() {
  const { image, policies } = detail;
  const ev = image.evaluation;
  const title = (ev && ev.tag) || image.tags[0]?.fullTag || short(image.digest);
  const tagSelect = h("select", { id: "tag-select" },
    image.tags.map((t) => h("option", { value: t.fullTag }, t.fullTag)));
  const policySelect = h("select", { id: "policy-select", "aria-describedby": "policy-hint" },
    policies.map((p) => h("option", { value: p.id }, policyLabel(p))));
  const baseSelect = h("select", { id: "base-select" },
    h("option", { value: "none" }, "None"),
    h("option", { value: "auto" }, "Auto (nearest analyzed ancestor)"),
    [...image.ancestors].reverse().map((a) => h("option", { value: a.digest },
      `${a.tags[0]?.fullTag || "untagged"} — ${short(a.digest)}`)));
  const again = h("button", { type: "button", id: "reevaluate" }, "Evaluate again");
  const change = (name, value) => {
    const next = Object.fromEntries(detail.params);
    next[name] = value;
    delete next.eval; // a setting changed: show the latest verdict for it
    location.hash = imageHref(detail.digest, next);
  };
  tagSelect.addEventListener("change", () => change("tag", tagSelect.value));
  policySelect.addEventListener("change", () => change("policy", policySelect.value));
  baseSelect.addEventListener("change", () => change("base", baseSelect.value === "none" ? "" : baseSelect.value));
  again.addEventListener("click", reevaluate);

  const tabs = ["compliance", "history"].map((name) => h("button", {
    type: "button", role: "tab", id: `tab-${name}`, "aria-controls": `panel-${name}`,
    "aria-selected": "false", tabindex: "-1" }, name === "compliance" ? "Compliance" : "History"));
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": "Image views" }, tabs);
  tablist.addEventListener("click", (e) => {
    const tab = e.target.closest("[role=tab]");
    if (tab) selectTab(tab.id.replace("tab-", ""));
  });
  tablist.addEventListener("keydown", (e) => {
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const tab = tabs[(to + tabs.length) % tabs.length];
    tab.focus();
    selectTab(tab.id.replace("tab-", ""));
  });

  const facts = h("dl", { class: "facts image-facts" },
    h("div", {}, h("dt", {}, "Digest"), h("dd", {}, h("code", { class: "wrap" }, image.digest))),
    h("div", {}, h("dt", {}, "Image id"), h("dd", {}, h("code", { title: image.imageId }, short(image.imageId)))),
    h("div", {}, h("dt", {}, "Distro"), h("dd", {}, image.distro ? `${image.distro} ${image.distroVersion || ""}` : "—")),
    h("div", {}, h("dt", {}, "Platform"), h("dd", {}, `${image.os}/${image.architecture}`)),
    h("div", {}, h("dt", {}, "Layers"), h("dd", {}, String(image.layerCount))),
    h("div", {}, h("dt", {}, "Analyzed"), h("dd", {}, h("time", { datetime: image.analyzedAt }, when(image.analyzedAt)))));

  fill(main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/images" }, "Images"), " › ",
      h("span", { "aria-current": "page" }, title)),
    h("h1", { tabindex: "-1", id: "image-title" }, title),
    facts,
    h("form", { class: "controls", "aria-label": "Evaluation settings" },
      image.tags.length > 1 ? h("div", { class: "field" }, h("label", { for: "tag-select" }, "Tag"), tagSelect) : null,
      h("div", { class: "field" }, h("label", { for: "policy-select" }, "Policy"), policySelect,
        h("p", { id: "policy-hint", class: "hint" }, "Evaluates with this policy; the active policy stays as it is.")),
      h("div", { class: "field" }, h("label", { for: "base-select" }, "Base image"), baseSelect),
      h("div", { class: "field end" }, again)),
    tablist,
    h("div", { role: "tabpanel", id: "panel-compliance", "aria-labelledby": "tab-compliance", tabindex: "0" }),
    h("div", { role: "tabpanel", id: "panel-history", "aria-labelledby": "tab-history", tabindex: "0", hidden: true }));
  main.querySelector(".controls").addEventListener("submit", (e) => e.preventDefault());
  Object.assign(detail, { tagSelect, policySelect, baseSelect, again, tabs });
  syncControls();
  document.title = `${title} — imagegate`;
}

function syncControls() {
  const { params, policies, image, tagSelect, policySelect, baseSelect } = detail;
  const ev = detail.evaluation;
  tagSelect.value = params.get("tag") || (ev && ev.tag) || image.tags[0]?.fullTag || "";
  const active = policies.find((p) => p.active);
  const own = ev && policies.some((p) => p.id === ev.policyId) ? ev.policyId : null;
  policySelect.value = own || params.get("policy") || (active && active.id) || "";
  baseSelect.value = params.get("base") || "none";
}

function selectTab(name) {
  const next = Object.fromEntries(detail.params);
  next.tab = name === "history" ? "history" : "";
  const target = imageHref(detail.digest, next);
  if (location.hash !== target) location.hash = target;
  else showTab(name, true);
}

function showTab(name, focus) {
  for (const tab of detail.tabs) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (name === "history" && !detail.history) loadHistory();
}

function markInteractive() {
  if (performance.getEntriesByName("interactive", "mark").length) return;
  performance.mark("rendered");
  // after the frame that shows the findings has been laid out and painted
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark("interactive");
    document.documentElement.dataset.interactive = "true";
  }, 0));
}

function renderEvaluation(ev, stored = false) {
  detail.evaluation = ev;
  const panel = document.getElementById("panel-compliance");
  if (!ev) {
    fill(panel, h("p", { class: "empty" }, "No evaluation: the image has no tag to evaluate under."));
  } else {
    const active = detail.policies.find((p) => p.active);
    renderCompliance(panel, ev, active && active.id);
    for (const el of main.querySelectorAll("#image-title, .crumbs [aria-current]")) el.textContent = ev.tag;
    document.title = `${ev.tag} — imagegate`;
    if (stored) {
      const latest = Object.fromEntries(detail.params);
      delete latest.eval;
      panel.prepend(h("p", { class: "notice", role: "note", "data-testid": "stored-notice" },
        "A stored evaluation from ", h("time", { datetime: ev.evaluatedAt }, when(ev.evaluatedAt)),
        " (from the history). ", h("a", { href: imageHref(detail.digest, latest) }, "Show the latest verdict")));
    }
    say(`Verdict: ${ev.status === "pass" ? "Pass" : "Fail"} against policy ${ev.policy ? ev.policy.id : ev.policyId}, ${ev.numberOfFindings} findings.`);
  }
  syncControls();
  markInteractive();
}

let evaluationRequest = 0; // only the newest request's answer is shown

async function loadEvaluation() {
  const mine = ++evaluationRequest;
  const panel = document.getElementById("panel-compliance");
  panel.setAttribute("aria-busy", "true");
  say("Evaluating…");
  try {
    const stored = detail.params.get("eval");
    if (stored) {
      const data = await gql(STORED, { reps: [{ __typename: "Evaluation", id: stored }] });
      if (mine !== evaluationRequest) return;
      const ev = data._entities[0];
      if (!ev || !ev.id) throw new Error(`No stored evaluation ${stored} in this account.`);
      renderEvaluation(ev, true);
    } else {
      const data = await gql(EVAL_ONLY, evalVars(detail.digest, detail.params));
      if (mine !== evaluationRequest) return;
      renderEvaluation(data.evaluation);
    }
  } catch (err) {
    if (mine !== evaluationRequest) return;
    if (err instanceof ApiError && err.status === 401) {
      guard(err);
      return;
    }
    fill(panel, h("div", { class: "error-box", role: "alert" }, h("p", {}, err.message)));
    say("");
  } finally {
    panel.removeAttribute("aria-busy");
  }
}

async function reevaluate() {
  const { again } = detail;
  again.disabled = true;
  say("Evaluating again…");
  try {
    const result = (await gql(REEVALUATE, evalVars(detail.digest, detail.params))).evaluate;
    if (result.__typename !== "Evaluation") throw new Error(result.message);
    evaluationRequest += 1; // answers still on their way are older than this one
    if (detail.params.get("eval")) {
      const next = Object.fromEntries(detail.params);
      delete next.eval;
      history.replaceState(null, "", imageHref(detail.digest, next));
      detail.params = parseHash().params;
    }
    detail.history = null;
    renderEvaluation(result);
    if (selectedTab(detail.params) === "history") loadHistory();
  } catch (err) {
    say(err.message);
    document.getElementById("panel-compliance").prepend(
      h("div", { class: "error-box", role: "alert" }, h("p", {}, err.message)));
  } finally {
    again.disabled = false;
  }
}

async function loadHistory() {
  const panel = document.getElementById("panel-history");
  const tag = detail.tagSelect.value || null;
  detail.history = "loading";
  fill(panel, h("p", {}, "Loading history…"));
  let connection;
  try {
    connection = (await gql(HISTORY, { d: detail.digest, tag })).image.evaluations;
  } catch (err) {
    detail.history = null;
    fill(panel, h("div", { class: "error-box", role: "alert" }, h("p", {}, err.message)));
    return;
  }
  detail.history = connection;
  const shownId = detail.evaluation && detail.evaluation.id;
  const rows = connection.edges.map(({ node: e }) => h("tr", { "data-id": e.id, class: e.id === shownId ? "current" : null },
    h("td", { "data-label": "Evaluated" }, h("time", { datetime: e.evaluatedAt }, when(e.evaluatedAt)),
      e.id === shownId ? h("span", { class: "mark" }, " shown") : null),
    h("td", { "data-label": "Verdict" }, h("span", { class: `pill ${e.status === "pass" ? "pill-pass" : "pill-fail"}` },
      e.status === "pass" ? "Pass" : "Fail")),
    h("td", { "data-label": "Final action" }, badge(e.finalAction)),
    h("td", { "data-label": "Reason" }, e.finalActionReason),
    h("td", { "data-label": "Policy" }, e.policy && e.policy.name && e.policy.name !== e.policyId
      ? `${e.policy.name} (${e.policyId})` : e.policyId,
    h("br"), h("code", { class: "muted", title: e.policyRevision }, `rev ${e.policyRevision.slice(0, 8)}`)),
    h("td", { "data-label": "Findings" }, String(e.numberOfFindings)),
    h("td", { "data-label": "Base" }, e.baseDigest ? h("code", {}, short(e.baseDigest)) : "none"),
    h("td", { "data-label": "Details" }, e.id === shownId ? h("span", { class: "muted" }, "on the Compliance tab")
      : h("a", { href: imageHref(detail.digest, { ...Object.fromEntries(detail.params), tab: "", eval: e.id }),
        "aria-label": `View the evaluation of ${when(e.evaluatedAt)}` }, "View"))));
  fill(panel,
    h("h2", {}, `Earlier evaluations${tag ? ` of ${tag}` : ""}`),
    connection.totalCount
      ? h("div", { class: "table-wrap" }, h("table", { class: "history", "data-testid": "history" },
        h("caption", { class: "sr-only" }, "Stored evaluations, newest first"),
        h("thead", {}, h("tr", {}, ["Evaluated", "Verdict", "Final action", "Reason", "Policy", "Findings", "Base", "Details"]
          .map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows)))
      : h("p", { class: "empty" }, "No stored evaluation yet."),
    connection.totalCount > connection.edges.length
      ? h("p", { class: "hint" }, `Showing the newest ${connection.edges.length} of ${connection.totalCount}.`) : null);
}

route();
