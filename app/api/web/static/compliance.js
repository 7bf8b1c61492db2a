// The Compliance tab: the verdict, counts by action, and the findings grouped gate → trigger.
// The DOM is built once per evaluation; filters only toggle `hidden` (no server round trip).

import { badge, fill, h, short, when } from "./dom.js";

const ACTIONS = ["stop", "warn", "go"];

function verdictSection(ev, activePolicyId) {
  const pass = ev.status === "pass";
  const policy = ev.policy || { id: ev.policyId, name: null, active: false };
  const policyText = policy.name && policy.name !== policy.id
    ? `${policy.name} (${policy.id})` : policy.id;
  const active = policy.id === activePolicyId;
  return h("section", { class: `verdict ${pass ? "verdict-pass" : "verdict-fail"}`,
    "aria-labelledby": "verdict-title", "data-testid": "verdict" },
    h("h2", { id: "verdict-title" }, "Verdict: ",
      h("span", { class: "verdict-word", "data-testid": "verdict-word" }, pass ? "Pass" : "Fail")),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, "Final action"),
        h("dd", { "data-testid": "final-action" }, badge(ev.finalAction))),
      h("div", {}, h("dt", {}, "Reason"), h("dd", { "data-testid": "reason" }, ev.finalActionReason)),
      h("div", {}, h("dt", {}, "Policy"), h("dd", { "data-testid": "policy" }, policyText,
        active ? h("span", { class: "tag-active" }, " active") : null)),
      h("div", {}, h("dt", {}, "Evaluated"),
        h("dd", {}, h("time", { datetime: ev.evaluatedAt, "data-testid": "evaluated-at" },
          when(ev.evaluatedAt)))),
      h("div", {}, h("dt", {}, "Tag"), h("dd", {}, ev.tag)),
      h("div", {}, h("dt", {}, "Base image"),
        h("dd", { "data-testid": "base-digest" }, ev.baseDigest ? short(ev.baseDigest) : "none")),
    ),
    ev.problems && ev.problems.length
      ? h("div", { class: "problems", role: "note" },
        h("h3", {}, "Policy problems"),
        h("ul", {}, ev.problems.map((p) => h("li", {},
          badge(p.severity === "error" ? "stop" : "warn", p.severity), " ",
          `${p.problemType}: ${p.details}`))))
      : null);
}

function countsSection(findings) {
  const counts = { stop: 0, warn: 0, go: 0 };
  let allowlisted = 0;
  for (const f of findings) {
    counts[f.action] = (counts[f.action] || 0) + 1;
    if (f.allowlisted) allowlisted += 1;
  }
  return h("section", { class: "counts", "aria-labelledby": "counts-title" },
    h("h2", { id: "counts-title", class: "sr-only" }, "Findings by action"),
    h("ul", {}, ACTIONS.map((a) => h("li", { "data-testid": `count-${a}` },
      badge(a), h("span", { class: "n" }, String(counts[a] || 0))))),
    h("p", { class: "sub" }, `${findings.length} findings, ${allowlisted} allowlisted`));
}

function cell(cls, label, ...children) {
  return h("div", { role: "cell", class: cls || null, "data-label": label }, ...children);
}

function blank(label) {
  return cell("muted blank", label, "—");
}

function allowlistCell(f) {
  const m = f.allowlistMatch;
  if (!m) return blank("Allowlist");
  const list = m.name && m.name !== m.id ? `${m.name} (${m.id})` : m.id;
  const el = cell("allowlisted", "Allowlist", `Allowlisted by ${list}`,
    m.matchedRuleId ? h("br") : null, m.matchedRuleId ? `item ${m.matchedRuleId}` : null);
  el.dataset.testid = "allowlist-match";
  return el;
}

function baseCell(f) {
  if (f.inheritedFromBase === true) {
    return cell("", "Base", h("span", { class: "mark inherited",
      title: "Also found in the base image" }, "Inherited from base"));
  }
  if (f.inheritedFromBase === false) return cell("", "Base", h("span", { class: "mark" }, "This image"));
  return blank("Base");
}

function findingRow(f) {
  const action = cell("action", "Action", badge(f.action));
  if (f.ruleAction && f.ruleAction !== f.action) {
    action.append(h("span", { class: "was" }, `rule: ${f.ruleAction.toUpperCase()}`));
  }
  return h("div", { role: "row", class: "finding frow", "data-action": f.action },
    action,
    cell("message", "Message", f.message),
    f.ruleId ? cell("", "Rule", h("code", {}, f.ruleId)) : blank("Rule"),
    cell("", "Trigger id", h("code", { class: "trigger-id" }, f.triggerId)),
    f.recommendation ? cell("recommendation", "Recommendation", f.recommendation) : blank("Recommendation"),
    allowlistCell(f),
    baseCell(f));
}

const HEAD = ["Action", "Message", "Rule", "Trigger id", "Recommendation", "Allowlist", "Base"];

/** Render `ev` into `root`; returns nothing. `activePolicyId` marks the active policy. */
export function renderCompliance(root, ev, activePolicyId) {
  const groups = ev.findingsByGate || [];
  const all = [];
  const gateViews = [];
  let gateIndex = 0;
  for (const g of groups) {
    const bodyId = `gate-${gateIndex}`;
    const titleId = `gate-title-${gateIndex}`;
    gateIndex += 1;
    const triggerViews = [];
    const body = h("div", { id: bodyId, class: "gate-body", role: "region",
      "aria-labelledby": titleId });
    for (const t of g.triggers) {
      const tbody = h("div", { role: "rowgroup", class: "rows" });
      const rows = [];
      for (const f of t.findings) {
        const el = findingRow(f);
        tbody.append(el);
        const text = `${f.message} ${f.triggerId} ${f.ruleId || ""}`.toLowerCase();
        const row = { el, f, text };
        rows.push(row);
        all.push(row);
      }
      const count = h("span", { class: "count" }, String(t.count));
      const section = h("section", { class: "trigger", "data-trigger": t.trigger },
        h("h4", {}, h("span", { class: "trigger-name" }, t.trigger), " ", count),
        h("div", { role: "table", class: "findings", "aria-label": `Findings of ${g.gate} / ${t.trigger}`,
          "aria-rowcount": String(t.findings.length + 1) },
          h("div", { role: "rowgroup", class: "head" },
            h("div", { role: "row", class: "frow" }, HEAD.map((c) => h("span", { role: "columnheader" }, c)))),
          tbody));
      body.append(section);
      triggerViews.push({ section, rows, count });
    }
    const count = h("span", { class: "count" }, String(g.count));
    const toggle = h("button", { type: "button", class: "group-toggle", id: titleId,
      "aria-expanded": "true", "aria-controls": bodyId, "data-gate": g.gate },
      h("span", { class: "chevron", "aria-hidden": "true" }), h("span", { class: "gate-name" }, g.gate),
      " ", count, h("span", { class: "sr-only" }, " findings"));
    const section = h("section", { class: "gate", "data-gate": g.gate },
      h("h3", {}, toggle), body);
    gateViews.push({ gate: g.gate, section, toggle, body, count, triggers: triggerViews });
  }

  // ------------------------------------------------------------------ filters
  const actionBoxes = ACTIONS.map((a) => {
    const n = all.filter((r) => r.f.action === a).length;
    const input = h("input", { type: "checkbox", value: a, checked: true, id: `filter-${a}` });
    return { a, input, label: h("label", { for: `filter-${a}`, class: "check" }, input, badge(a),
      h("span", { class: "n" }, ` ${n}`)) };
  });
  const gateSelect = h("select", { id: "filter-gate" },
    h("option", { value: "" }, "All gates"),
    groups.map((g) => h("option", { value: g.gate }, `${g.gate} (${g.count})`)));
  const textInput = h("input", { type: "search", id: "filter-text", placeholder: "message, trigger id, rule",
    autocomplete: "off" });
  const shown = h("p", { class: "shown", "aria-live": "polite", "data-testid": "shown" });
  const filters = h("form", { class: "filters", "aria-label": "Filter findings", role: "search" },
    h("fieldset", { class: "actions" }, h("legend", {}, "Action"), actionBoxes.map((b) => b.label)),
    h("div", { class: "field" }, h("label", { for: "filter-gate" }, "Gate"), gateSelect),
    h("div", { class: "field grow" }, h("label", { for: "filter-text" }, "Find in findings"), textInput),
    shown);
  filters.addEventListener("submit", (e) => e.preventDefault());

  function apply() {
    const actions = new Set(actionBoxes.filter((b) => b.input.checked).map((b) => b.a));
    const gate = gateSelect.value;
    const text = textInput.value.trim().toLowerCase();
    let visible = 0;
    for (const gv of gateViews) {
      let gateVisible = 0;
      const gateOn = !gate || gv.gate === gate;
      for (const tv of gv.triggers) {
        let n = 0;
        for (const r of tv.rows) {
          const on = gateOn && actions.has(r.f.action) && (!text || r.text.includes(text));
          if (r.el.hidden === on) r.el.hidden = !on;
          if (on) n += 1;
        }
        tv.section.hidden = n === 0;
        tv.count.textContent = n === tv.rows.length ? String(n) : `${n} of ${tv.rows.length}`;
        gateVisible += n;
      }
      gv.section.hidden = gateVisible === 0;
      const total = gv.triggers.reduce((s, tv) => s + tv.rows.length, 0);
      gv.count.textContent = gateVisible === total ? String(total) : `${gateVisible} of ${total}`;
      visible += gateVisible;
    }
    shown.textContent = `Showing ${visible} of ${all.length} findings`;
    empty.hidden = visible > 0 || all.length === 0;
  }

  let pending = 0;
  for (const b of actionBoxes) b.input.addEventListener("change", apply);
  gateSelect.addEventListener("change", apply);
  textInput.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(apply, 120);
  });

  // ------------------------------------------------------------------ groups: toggle and keys
  const list = h("div", { class: "groups", "data-testid": "groups" }, gateViews.map((g) => g.section));
  list.addEventListener("click", (e) => {
    const button = e.target.closest(".group-toggle");
    if (!button) return;
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
  });
  list.addEventListener("keydown", (e) => {
    const button = e.target.closest(".group-toggle");
    if (!button || !["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key)) return;
    const toggles = gateViews.filter((g) => !g.section.hidden).map((g) => g.toggle);
    const at = toggles.indexOf(button);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: toggles.length - 1 }[e.key];
    if (next >= 0 && next < toggles.length) {
      e.preventDefault();
      toggles[next].focus();
    }
  });

  const empty = h("p", { class: "empty", hidden: true }, "No finding matches these filters.");
  const none = all.length === 0
    ? h("p", { class: "empty" }, "This evaluation has no findings.") : null;
  fill(root, [
    verdictSection(ev, activePolicyId), countsSection(all.map((r) => r.f)),
    all.length ? filters : null,
    all.length ? h("p", { class: "hint keys" },
      "Tip: in the findings, Up and Down arrows move between gate groups; Enter opens or closes one.")
      : null,
    list, empty, none]);
  apply();
}
