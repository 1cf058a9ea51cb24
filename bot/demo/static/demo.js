// The demo page: draws what the server rendered (bot/demo/server.py), and tells the server what
// the person did; the server signs it and sends it to the bot as Slack would (bot/demo/front.py).
"use strict";

const $ = (id) => document.getElementById(id);
const api = "/demo/api/";
const view = {
  user: localStorage.getItem("demo.user") || "",
  channel: localStorage.getItem("demo.channel") || "",
  tab: "messages",
  keys: {},
  labels: {},
  snapshot: null,
};

async function post(path, body) {
  document.body.classList.add("busy");
  try {
    const response = await fetch(api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: view.user, ...body }),
    });
    return response.ok ? response.json() : null;
  } finally {
    document.body.classList.remove("busy");
    refreshSoon();
  }
}

let timer = null;
function refreshSoon() {
  refresh();
  // Work after an ack lands a moment later: look again quickly a few times.
  for (const delay of [150, 400, 900, 1600]) setTimeout(refresh, delay);
}

let inFlight = false;
async function refresh() {
  if (inFlight) return;
  inFlight = true;
  try {
    const asked = { user: view.user, channel: view.channel, tab: view.tab };
    const response = await fetch(api + "state?" + new URLSearchParams(asked), { cache: "no-store" });
    const data = response.ok ? await response.json() : null;
    // A person switched or moved while this answer was on its way: the next poll is theirs.
    const stale = asked.user !== view.user || asked.channel !== view.channel
      || asked.tab !== view.tab;
    if (data && !stale) draw(data);
  } catch (error) {
    // The demo stopped or restarts: keep polling quietly.
  } finally {
    inFlight = false;
  }
}

function label(key, params) {
  let text = view.labels[key] || key;
  for (const [name, value] of Object.entries(params || {})) text = text.replace("{" + name + "}", value);
  return text;
}

function setText(id, key, params) {
  const node = $(id);
  if (node) node.textContent = label(key, params);
}

function drawChrome(s) {
  document.documentElement.lang = s.lang;
  document.title = label("title");
  $("workspace").textContent = s.workspace;
  setText("l-viewing-as", "viewing_as");
  setText("l-channels", "channels");
  setText("l-apps", "apps");
  setText("l-about", "about");
  setText("tab-home", "home");
  setText("tab-messages", "messages");
  setText("send", "send");
  setText("m-slack", "tab_slack");
  setText("m-questetra", "tab_questetra");
  const person = $("person");
  const options = s.people.map((p) => `${p.id}|${p.name}${p.admin ? " (admin)" : ""}`).join();
  if (person.dataset.options !== options) {
    person.innerHTML = "";
    for (const p of s.people) {
      const option = new Option(p.name + (p.admin ? " · Slack admin" : ""), p.id);
      person.add(option);
    }
    person.dataset.options = options;
  }
  person.value = s.me.id;
  const listKey = JSON.stringify([s.conversations, s.channel]);
  if (view.keys.lists !== listKey) drawLists(s);
  view.keys.lists = listKey;
  const current = s.conversations.find((c) => c.id === s.channel);
  const isApp = current && current.kind === "app";
  $("conv-title").textContent = isApp ? current.name : "#" + (current ? current.name : "");
  $("app-tabs").hidden = !isApp;
  $("tab-home").classList.toggle("active", isApp && view.tab === "home");
  $("tab-messages").classList.toggle("active", !isApp || view.tab !== "home");
  $("box").placeholder = isApp
    ? label("placeholder_app")
    : label("placeholder_channel", { name: current ? current.name : "" });
  $("composer").hidden = isApp && view.tab === "home";
}

function drawLists(s) {
  // Redrawn only when they change: a click must never land on a button being replaced.
  const lists = { channel: $("channels"), app: $("apps") };
  lists.channel.innerHTML = "";
  lists.app.innerHTML = "";
  const select = $("conv-select");
  select.innerHTML = "";
  for (const c of s.conversations) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = (c.kind === "channel" ? "# " : "● ") + c.name;
    button.className = c.id === s.channel ? "active" : "";
    button.dataset.channel = c.id;
    button.addEventListener("click", () => openConversation(c.id));
    li.append(button);
    lists[c.kind].append(li);
    select.add(new Option((c.kind === "channel" ? "#" : "") + c.name, c.id, false, c.id === s.channel));
  }
}

function draw(s) {
  view.snapshot = s;
  view.labels = s.labels;
  view.user = s.me.id;
  view.channel = s.channel;
  drawChrome(s);
  const main = $("main");
  main.classList.toggle("home", view.tab === "home" && s.channel.startsWith("D"));
  if (view.keys.main !== s.main_key) {
    const stick = main.scrollTop + main.clientHeight >= main.scrollHeight - 40;
    const values = readValues(main);
    main.innerHTML = s.main;
    restoreValues(main, values);
    const place = s.channel + "/" + view.tab;
    const home = view.tab === "home" && s.channel.startsWith("D");
    // A new place starts at its top (Home) or its newest message; new messages keep the view
    // at the bottom only when it was there.
    if (view.keys.place !== place) main.scrollTop = home ? 0 : main.scrollHeight;
    else if (stick && !home) main.scrollTop = main.scrollHeight;
    view.keys.place = place;
    view.keys.main = s.main_key;
  }
  drawModal(s.modal);
  if (view.keys.questetra !== s.questetra_key) {
    drawQuestetra(s.questetra);
    view.keys.questetra = s.questetra_key;
  }
}

// ------------------------------------------------------------------ Block Kit state

function readElement(el) {
  const raw = { block_id: el.dataset.blockId, action_id: el.dataset.actionId, type: el.dataset.type };
  if (el.classList.contains("bk-choices")) {
    raw.values = [...el.querySelectorAll("input:checked")].map((i) => i.value);
  } else if (el.tagName === "SELECT" && el.multiple) {
    raw.values = [...el.selectedOptions].map((o) => o.value);
  } else if ("value" in el) {
    raw.value = el.value;
  }
  return raw;
}

function readState(container) {
  return [...container.querySelectorAll(".bk-el")]
    .filter((el) => el.dataset.type !== "button" && el.dataset.type !== "overflow")
    .map(readElement);
}

function readValues(container) {
  const found = {};
  for (const raw of readState(container)) found[raw.block_id + "/" + raw.action_id] = raw;
  return found;
}

function restoreValues(container, values) {
  // Slack keeps what a person typed when a view is redrawn with the same block and action ids.
  for (const el of container.querySelectorAll(".bk-el")) {
    const raw = values[el.dataset.blockId + "/" + el.dataset.actionId];
    if (!raw || el.dataset.type === "button") continue;
    if (el.classList.contains("bk-choices")) {
      for (const i of el.querySelectorAll("input")) i.checked = raw.values.includes(i.value);
    } else if (el.tagName === "SELECT" && el.multiple) {
      for (const o of el.options) o.selected = raw.values.includes(o.value);
    } else if ("value" in el) {
      el.value = raw.value;
    }
  }
}

function whereOf(el) {
  const message = el.closest(".msg");
  if (message) {
    return { kind: "message", channel: message.dataset.channel, ts: message.dataset.ts,
      ephemeral: message.dataset.ephemeral === "1" };
  }
  const modal = el.closest(".modal[data-view-id]");
  if (modal) return { kind: "view", view_id: modal.dataset.viewId };
  return { kind: "home" };
}

function containerOf(el) {
  return el.closest(".msg") || el.closest(".modal-body") || $("main");
}

async function act(el) {
  const action = readElement(el);
  const state = readState(containerOf(el));
  if (el.dataset.url) window.open(el.dataset.url, "_blank", "noopener");
  el.disabled = true;
  try {
    await post("action", { where: whereOf(el), action, state });
  } finally {
    el.disabled = false;
  }
}

function withConfirm(el, then) {
  const template = el.parentElement && el.parentElement.querySelector("template.bk-confirm");
  if (!template) return then();
  const root = $("dialog-root");
  root.innerHTML = "";
  const backdrop = document.createElement("div");
  backdrop.className = "modal-backdrop";
  const dialog = document.createElement("div");
  dialog.className = "modal dialog";
  dialog.setAttribute("role", "alertdialog");
  dialog.append(template.content.cloneNode(true));
  backdrop.append(dialog);
  root.append(backdrop);
  dialog.addEventListener("click", (event) => {
    const role = event.target.closest("[data-role]");
    if (!role) return;
    root.innerHTML = "";
    if (role.dataset.role === "confirm") then();
    else if (el.tagName === "SELECT") el.value = "";
  });
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.bk-button.bk-el");
  if (!button) return;
  event.preventDefault();
  withConfirm(button, () => act(button));
});

document.addEventListener("change", (event) => {
  const el = event.target.closest(".bk-el");
  if (!el || el.dataset.type === "button") return;
  const input = el.closest(".bk-input-block");
  // In an input block only dispatch_action elements send block_actions; elsewhere every change.
  if (input && input.dataset.dispatch !== "1") return;
  if (el.dataset.type === "overflow" && !el.value) return;
  withConfirm(el, () => act(el));
});

// ------------------------------------------------------------------ modals

function drawModal(modal) {
  const root = $("modal-root");
  if (!modal) {
    root.innerHTML = "";
    view.keys.modal = null;
    return;
  }
  if (view.keys.modal === modal.key) return;
  const old = root.querySelector(".modal");
  const sameView = old && old.dataset.viewId === modal.id;
  const values = sameView ? readValues(old) : {};
  root.innerHTML = `
    <div class="modal-backdrop"><div class="modal" role="dialog" aria-modal="true" data-view-id="">
      <header><h2></h2><span class="modal-app">questetra</span>
        <button type="button" class="modal-x" aria-label="close">✕</button></header>
      <div class="modal-problem" hidden></div>
      <div class="modal-body"></div>
      <footer></footer></div></div>`;
  const box = root.querySelector(".modal");
  box.dataset.viewId = modal.id;
  box.querySelector("h2").innerHTML = modal.title;
  const problem = box.querySelector(".modal-problem");
  problem.hidden = !modal.problem;
  problem.textContent = modal.problem || "";
  const body = box.querySelector(".modal-body");
  body.innerHTML = modal.html;
  restoreValues(body, values);
  const footer = box.querySelector("footer");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "bk-button modal-close";
  close.innerHTML = modal.close;
  footer.append(close);
  if (modal.submit) {
    const submit = document.createElement("button");
    submit.type = "button";
    submit.className = "bk-button bk-primary modal-submit";
    submit.innerHTML = modal.submit;
    submit.addEventListener("click", async () => {
      submit.disabled = true;
      try {
        await post("submit", { view_id: modal.id, state: readState(body) });
      } finally {
        submit.disabled = false;
      }
    });
    footer.append(submit);
  }
  const onClose = () => post("close", { view_id: modal.id });
  close.addEventListener("click", onClose);
  box.querySelector(".modal-x").addEventListener("click", onClose);
  const first = body.querySelector("[autofocus], .bk-input, .bk-select");
  if (first && !sameView) first.focus();
  view.keys.modal = modal.key;
}

// ------------------------------------------------------------------ conversations

function openConversation(channel, tab) {
  view.channel = channel;
  view.tab = tab || (channel.startsWith("D") ? "home" : "messages");
  localStorage.setItem("demo.channel", channel);
  view.keys = {};
  if (view.tab === "home") post("home", {});
  else refreshSoon();
}

$("conv-select").addEventListener("change", (event) => openConversation(event.target.value));
for (const button of document.querySelectorAll("#app-tabs button")) {
  button.addEventListener("click", () => openConversation(view.channel, button.dataset.tab));
}

$("person").addEventListener("change", (event) => {
  view.user = event.target.value;
  localStorage.setItem("demo.user", view.user);
  view.keys = {};
  post("questetra/sign-in", {}); // the consent page acts as whoever the page shows
  // The app's DM is per person: follow it to the new person's DM.
  openConversation(view.channel.startsWith("D") ? "D" + view.user : view.channel, view.tab);
});

const box = $("box");
$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = box.value;
  if (!text.trim()) return;
  box.value = "";
  await post("type", { channel: view.channel, text });
});
box.addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter is a new line; never while an IME is composing (Japanese input).
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

// ------------------------------------------------------------------ Questetra side

function drawQuestetra(q) {
  setText("q-title", "questetra");
  $("q-signed-in").textContent = q.signed_in;
  $("q-open").href = q.url;
  setText("q-open", "q_open");
  setText("q-tasks-title", "q_tasks");
  setText("q-new-title", "q_new_task");
  setText("q-l-app", "q_app");
  setText("q-l-title", "q_title");
  setText("q-l-to", "q_to");
  setText("q-l-offer", "q_offer");
  setText("q-l-allocate", "q_allocate");
  setText("q-create", "q_create");
  setText("q-start", "q_start_button");
  setText("q-start-note", "q_start_note");
  $("q-nudge").textContent = q.nudge;
  const list = $("q-tasks");
  list.innerHTML = "";
  if (!q.tasks.length) {
    const li = document.createElement("li");
    li.textContent = label("q_none");
    list.append(li);
  }
  for (const task of q.tasks) {
    const li = document.createElement("li");
    li.dataset.workitem = task.id;
    const text = document.createElement("div");
    text.className = "q-task-text";
    const link = document.createElement("a");
    link.href = task.url;
    link.target = "_blank";
    link.textContent = `${task.node}: ${task.title}`;
    const small = document.createElement("small");
    small.textContent = `${task.app} · #${task.seq} · ${task.who}`;
    text.append(link, small);
    const end = document.createElement("button");
    end.type = "button";
    end.className = "q-end";
    end.textContent = label("q_end");
    end.addEventListener("click", async () => {
      await post(`questetra/tasks/${task.id}/end`, {});
      $("q-done").textContent = label("q_done", { what: `#${task.seq} ${task.title}` });
    });
    li.append(text, end);
    list.append(li);
  }
  const app = $("q-app");
  const chosenApp = app.value;
  app.innerHTML = "";
  for (const a of q.apps) app.add(new Option(a.name, a.id));
  if (chosenApp) app.value = chosenApp;
  const to = $("q-to");
  const checked = new Set([...to.querySelectorAll("input:checked")].map((i) => i.value));
  to.innerHTML = "";
  for (const p of q.people) {
    const labelNode = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = p.email;
    input.checked = checked.has(p.email);
    labelNode.append(input, " " + p.name);
    to.append(labelNode);
  }
}

function taskForm() {
  const form = $("q-new");
  return {
    app_id: Number($("q-app").value),
    title: $("q-task-title").value,
    to: [...$("q-to").querySelectorAll("input:checked")].map((i) => i.value),
    allocate: form.querySelector("input[name=mode]:checked").value === "allocate",
  };
}

$("q-new").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = taskForm();
  if (!body.to.length) body.to = [view.snapshot.questetra.people[0].email];
  const done = await post("questetra/tasks", body);
  if (done) $("q-done").textContent = label("q_done", { what: `#${done.seq} ${done.title}` });
});
$("q-start").addEventListener("click", async () => {
  const body = taskForm();
  const done = await post("questetra/processes", body);
  if (done) $("q-done").textContent = label("q_done", { what: `#${done.seq} ${done.title}` });
});

for (const [id, show] of [["m-slack", false], ["m-questetra", true]]) {
  $(id).addEventListener("click", () => {
    document.body.classList.toggle("show-q", show);
    $("m-slack").classList.toggle("active", !show);
    $("m-questetra").classList.toggle("active", show);
  });
}

(async function start() {
  await refresh();
  if (view.snapshot) post("questetra/sign-in", {});
  if (view.channel.startsWith("D")) openConversation(view.channel, "home");
  timer = setInterval(refresh, 1000);
})();
