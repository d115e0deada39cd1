// The configurator page: sends the whole selection to the JSON API on every click and draws
// the answer. The page keeps no configuration logic: availability, reasons, deltas, price,
// date and repairs all come from the server. Text is always set with textContent, never as
// HTML, so nothing a catalog or a request contains can run here.
"use strict";

(function () {
  const app = document.getElementById("app");
  const catalog = app.dataset.catalog;
  const api = "/api/catalogs/" + encodeURIComponent(catalog);
  const NONE = "__none__";
  // "?at=2026-11-25T10:00" fixes the order time (reproducible answers, e.g. for a demo or a
  // test); without it the server quotes for now.
  const at = new URLSearchParams(window.location.search).get("at");
  // The server says whether it takes orders (it has an order-book ledger).
  const ordering = app.dataset.ordering === "true";

  let selection = readHash();
  let focus = [];          // modules whose options show their price and date deltas
  let last = null;         // the last page state drawn
  let sequence = 0;        // answers to older requests are dropped

  function readHash() {
    const match = /^#s=(.*)$/.exec(window.location.hash);
    if (!match) return {};
    try {
      const parsed = JSON.parse(decodeURIComponent(match[1]));
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
    } catch (e) {
      return {};
    }
  }

  function writeHash() {
    const text = JSON.stringify(selection);
    history.replaceState(null, "", text === "{}"
      ? window.location.pathname + window.location.search : "#s=" + encodeURIComponent(text));
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(key, value === true ? "" : String(value));
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function request() {
    const body = {
      selection: selection,
      lang: document.getElementById("lang").value,
      qty: Math.max(1, Math.min(999, parseInt(document.getElementById("qty").value, 10) || 1)),
    };
    if (at) body.at = at;
    return body;
  }

  function status(text, kind) {
    const node = document.getElementById("status");
    node.textContent = text || "";
    node.className = kind || "";
  }

  // POST a JSON body to one of the catalog's API routes: the response and its JSON, or
  // null (and a line in the status) when the server cannot be reached. ``current`` says
  // whether the answer is still wanted.
  async function post(route, body, current) {
    try {
      const response = await fetch(api + route, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      return { response: response, data: await response.json() };
    } catch (e) {
      if (!current || current()) status("The server cannot be reached; try again.", "error");
      return null;
    }
  }

  async function refresh() {
    const mine = ++sequence;
    const body = Object.assign(request(), { deltas: deltasFor() });
    document.getElementById("modules").setAttribute("aria-busy", "true");
    status("Updating...", "busy");
    const answer = await post("/page", body, () => mine === sequence);
    if (!answer) return;
    const response = answer.response;
    const data = answer.data;
    if (mine !== sequence) return;
    document.getElementById("modules").setAttribute("aria-busy", "false");
    if (!response.ok) {
      status(data.error + (data.suggestion ? " (" + data.suggestion + ")" : ""), "error");
      return;
    }
    status("", "");
    const first = last === null;
    last = data;
    selection = data.selection;
    writeHash();
    draw(data);
    if (first && data.valid && deltasFor().length) refresh();
  }

  function deltasFor() {
    // Deltas cost one quote per option: only for the modules a person is about to click in,
    // the one clicked last and the first one without a choice; "compare" asks for more.
    const wanted = focus.slice();
    if (!last) return wanted; // the first answer says which modules have a choice to make
    const next = last.modules.find((m) => !m.has_choice && !wanted.includes(m.id)
      && m.options.some(clickable));
    if (next) wanted.push(next.id);
    return wanted;
  }

  function clickable(option) {
    return option.state === "available" && !option.in_configuration;
  }

  function choose(module, option) {
    const next = Object.assign({}, selection);
    if (module.kind === "multi") {
      let items = Array.isArray(next[module.id]) ? next[module.id].slice() : [];
      items = items.filter((item) => item.replace(/^-/, "") !== option.value);
      items.push(option.in_configuration ? "-" + option.value : option.value);
      next[module.id] = items;
    } else {
      next[module.id] = option.value;
    }
    selection = next;
    focus = [module.id];
    refresh();
  }

  function drawOption(module, option, said) {
    const key = option.value === null ? NONE : String(option.value);
    const fixed = module.kind === "multi" && option.forced && option.in_configuration;
    const current = module.kind !== "multi" && option.in_configuration;
    const disabled = option.state === "unavailable" || fixed
      || (!last.valid && option.state !== "chosen");
    const button = el("button", {
      type: "button",
      class: "option state-" + option.state + (option.in_configuration ? " in-config" : ""),
      id: "o-" + module.id + "-" + key,
      "data-module": module.id,
      "data-option": key,
      "data-state": option.state,
      "data-in-configuration": option.in_configuration ? "true" : "false",
      "aria-pressed": option.in_configuration ? "true" : "false",
      disabled: disabled || current,
    });
    const mark = module.kind === "multi" ? (option.in_configuration ? "\u2611 " : "\u2610 ")
      : (option.in_configuration ? "\u25C9 " : "\u25CB ");
    button.append(el("span", { class: "label" }, mark + option.label));
    if (option.state === "chosen") button.append(el("span", { class: "tag" }, "your choice"));
    if (option.state === "excluded") button.append(el("span", { class: "tag" }, "left out"));
    if (option.delta) {
      button.append(el("span", { class: "delta", "data-delta": option.delta.text },
        option.delta.text));
    }
    if (option.reason) {
      // the short reason under the option; every rule, and where it is written, on hover
      const where = option.reason.rules.map((r) => r.id + (r.source ? " @ " + r.source : ""));
      // a reason already given for an option above in the module is referred to
      const first = said.get(option.reason.short);
      if (first === undefined) said.set(option.reason.short, option.label);
      button.append(el("span", {
        class: "reason",
        "data-reason": option.reason.text,
        title: option.reason.text + "\n" + where.join("; "),
      }, first === undefined ? option.reason.short : "Same reason as " + first));
    }
    if (!button.disabled) button.addEventListener("click", () => choose(module, option));
    return button;
  }

  function drawModule(module) {
    const box = el("fieldset", { class: "module kind-" + module.kind, id: "m-" + module.id,
      "data-module": module.id });
    const legend = el("legend", {}, module.label);
    if (module.has_choice) {
      const reset = el("button", { type: "button", class: "reset-module",
        "data-reset": module.id }, "let us choose");
      reset.addEventListener("click", () => {
        const next = Object.assign({}, selection);
        delete next[module.id];
        selection = next;
        refresh();
      });
      legend.append(" ", reset);
    }
    if (!module.options.some((o) => o.delta) && module.options.some(clickable)
        && last.valid && !focus.includes(module.id)) {
      const compare = el("button", { type: "button", class: "compare",
        "data-compare": module.id }, "compare price and date");
      compare.addEventListener("click", () => { focus = focus.concat([module.id]); refresh(); });
      legend.append(" ", compare);
    }
    box.append(legend);
    const list = el("div", { class: "options" });
    const said = new Map();
    for (const option of module.options) list.append(drawOption(module, option, said));
    box.append(list);
    return box;
  }

  // An amount as the API writes it ("6788.00", "-253.60"), with thousands separators; the
  // digits are never parsed as a float.
  function grouped(amount) {
    const match = /^(-?)(\d+)(\.\d+)?$/.exec(String(amount));
    if (!match) return String(amount);
    return match[1] + match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (match[3] || "");
  }

  function fill(id, items, make) {
    const node = document.getElementById(id);
    node.replaceChildren(...items.map(make));
  }

  function draw(data) {
    fill("modules", data.modules, drawModule);
    const conflict = document.getElementById("conflict");
    conflict.hidden = data.valid;
    if (!data.valid) {
      fill("conflict-rules", data.conflict.rules, (r) => el("li", { "data-rule": r.id },
        r.message + (r.source ? " (" + r.source + ")" : "")));
      fill("repairs", data.repairs, (repair, i) => {
        const button = el("button", { type: "button", class: "repair", "data-repair": i },
          repair.text);
        button.addEventListener("click", () => { selection = repair.selection; refresh(); });
        return button;
      });
    }
    const problem = document.getElementById("problem");
    problem.hidden = !data.problem;
    problem.textContent = data.problem || "";
    const price = document.getElementById("price");
    price.textContent = data.price ? data.price.currency + " " + grouped(data.price.total) : "-";
    price.dataset.total = data.price ? data.price.total : "";
    fill("price-lines", data.price ? data.price.lines : [], (line) => {
      const row = el("tr");
      const label = typeof line.label === "object" ? (line.label[data.catalog.language]
        || Object.values(line.label)[0]) : line.label;
      row.append(el("td", {}, label), el("td", { class: "num" }, grouped(line.amount)));
      return row;
    });
    const q = data.quote;
    const promised = document.getElementById("promised");
    promised.textContent = q ? q.promised : "-";
    promised.dataset.date = q ? q.promised : "";
    document.getElementById("confidence").textContent = q
      ? "On-time probability " + Math.round(parseFloat(q.confidence.probability) * 100) + "%"
      + " (target " + Math.round(parseFloat(q.confidence.target) * 100) + "%)" : "";
    document.getElementById("gate").textContent = q ? "Waits for: " + q.gate.text : "";
    fill("milestones", q ? milestones(q.milestones) : [], (m) => el("li",
      { "data-milestone": m.kind }, m.kind.replace(/_/g, " ") + ": " + m.date));
    fill("tradeoffs", q ? q.tradeoffs.slice(0, 8) : [], (t) => el("li", {}, t.text));
    document.getElementById("download").disabled = !q;
    if (ordering) document.getElementById("order").disabled = !q;
  }

  // One "material ready" per part is too much for a summary: keep the last one (all parts).
  function milestones(all) {
    const material = all.filter((m) => m.kind === "material_ready");
    const shown = all.filter((m) => m.kind !== "material_ready");
    if (material.length) {
      const latest = material.reduce((a, b) => (a.at >= b.at ? a : b));
      const at = shown.findIndex((m) => m.at > latest.at);
      shown.splice(at < 0 ? shown.length : at, 0, latest);
    }
    return shown;
  }

  async function download() {
    const body = Object.assign(request(), { customer: document.getElementById("customer").value });
    status("Preparing the quote...", "busy");
    const response = await fetch(api + "/quote.html", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const data = await response.json();
      status(data.error + (data.suggestion ? " (" + data.suggestion + ")" : ""), "error");
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: "quote-" + catalog + ".html" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status("", "");
  }

  // Order the configuration shown, for the date shown: the server places it in the ledger,
  // or refuses it when that date is gone. Either way the page is quoted again, so it shows
  // what is left after the reservation.
  async function order() {
    const q = last && last.valid ? last.quote : null;
    const name = document.getElementById("customer");
    if (!q) return;
    if (!name.value.trim()) {
      status("Enter your name to order.", "error");
      name.focus();
      return;
    }
    const body = { selection: selection, qty: request().qty, customer: name.value.trim(),
      promised: q.promised };
    if (at) body.at = at;
    const button = document.getElementById("order");
    button.disabled = true;
    status("Placing the order...", "busy");
    const answer = await post("/orders", body);
    if (!answer) {
      button.disabled = false;
      return;
    }
    const response = answer.response;
    const data = answer.data;
    if (response.status !== 201 && !(response.status === 409 && data.order)) {
      status(data.error + (data.suggestion ? " (" + data.suggestion + ")" : ""), "error");
      button.disabled = false;
      return;
    }
    showOrder(data);
    status("", "");
    refresh();
  }

  function showOrder(data) {
    const box = document.getElementById("order-result");
    const placed = data.order;
    box.className = data.ok ? "confirmed" : "refused";
    box.dataset.outcome = data.ok ? "confirmed" : "refused";
    box.dataset.order = placed.id;
    box.dataset.promised = data.ok ? placed.promised : "";
    box.dataset.earliest = data.earliest || "";
    const outcome = box.querySelector(".outcome");
    const detail = box.querySelector(".detail");
    if (data.ok) {
      outcome.textContent = "Order " + placed.id + " confirmed";
      detail.textContent = "Delivery promised for " + placed.promised + ", "
        + placed.currency + " " + grouped(placed.price) + ", for " + placed.customer
        + ". The price and date above are now those of a further order.";
    } else {
      outcome.textContent = "Order refused: " + data.reason;
      detail.textContent = data.earliest
        ? "The earliest date now is " + data.earliest + "; the page shows it again."
        : "It cannot be built now.";
    }
    box.hidden = false;
  }

  document.getElementById("lang").addEventListener("change", refresh);
  document.getElementById("qty").addEventListener("change", refresh);
  document.getElementById("download").addEventListener("click", download);
  if (ordering) document.getElementById("order").addEventListener("click", order);
  document.getElementById("reset").addEventListener("click", () => {
    selection = {};
    focus = [];
    refresh();
  });
  refresh();
})();
