// The local chat page. Plain JavaScript, no build step.
//
// Safety: the server sends data, never HTML. Every text goes into the page through
// text nodes (h() below), markdown arrives already parsed into runs, links are
// http(s) only. No HTML string is ever parsed, and the CSP forbids inline scripts.
"use strict";

(() => {
  const state = {
    ui: {},
    suggestions: {},
    lang: "en",
    personas: [],
    persona: null,
    conversation: "dm",
    clock: null,
    unread: {}, // persona id -> count; "conv:<key>" -> count for the current persona
    nodes: new Map(), // message id -> {sig, node}
    loadSeq: 0,
  };

  const $ = (id) => document.getElementById(id);

  // --- DOM helpers -------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "class") {
        el.className = value;
      } else if (key === "style") {
        el.style.cssText = value;
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function tr(key, params) {
    let text = state.ui[key] ?? key;
    for (const [name, value] of Object.entries(params || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // --- Talking to the server ---------------------------------------------------------------

  async function api(method, path, body) {
    const options = { method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const error = new Error((data && data.message) || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const el = $("toast");
    el.textContent = message;
    el.className = "toast" + (kind === "info" ? " info" : "");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
  }

  async function attempt(fn) {
    try {
      return await fn();
    } catch (error) {
      toast(error.message || String(error));
      return null;
    }
  }

  // --- Markdown runs ---------------------------------------------------------------------

  function renderRuns(runs) {
    return (runs || []).map((run) => {
      const href = safeHref(run.href);
      if (href) return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, run.text);
      if (run.code) return h("code", {}, run.text);
      let node = document.createTextNode(run.text);
      if (run.s) node = h("s", {}, node);
      if (run.i) node = h("em", {}, node);
      if (run.b) node = h("strong", {}, node);
      return node;
    });
  }

  function renderLines(lines) {
    const box = h("div", { class: "md" });
    let list = null;
    for (const line of lines || []) {
      if (line.bullet) {
        if (!list) {
          list = h("ul");
          box.appendChild(list);
        }
        list.appendChild(h("li", {}, renderRuns(line.runs)));
        continue;
      }
      list = null;
      const empty = !line.runs || line.runs.length === 0;
      box.appendChild(h("div", { class: empty ? "line blank" : "line" }, renderRuns(line.runs)));
    }
    return box;
  }

  // --- Message elements -----------------------------------------------------------------

  const ELEMENTS = {
    text: (e) => h("div", { class: "el-text" }, renderLines(e.lines)),
    heading: (e) => h("h3", { class: "el-heading" }, e.text),
    fields: (e) =>
      h("dl", { class: "el-fields" },
        e.items.map((item) =>
          h("div", { class: "field" }, h("dt", {}, item.label), h("dd", {}, renderLines(item.lines))))),
    note: (e) => h("div", { class: "el-note" }, renderLines(e.lines)),
    divider: () => h("hr", { class: "el-divider" }),
    // Shown at its natural size (a chart is drawn at 2x for sharp high-density screens).
    image: (e) =>
      e.src
        ? h("figure", { class: "el-image" }, h("img", {
          src: e.src, alt: e.alt, loading: "lazy",
          width: Number.isInteger(e.width) ? e.width : null,
          height: Number.isInteger(e.height) ? e.height : null,
        }))
        : h("div", { class: "el-note" }, e.alt),
    actions: (e, message) =>
      h("div", { class: "el-actions" },
        e.buttons.map((b) => {
          const href = safeHref(b.url);
          if (href) {
            return h("a", { class: "btn", href, target: "_blank", rel: "noopener noreferrer" }, b.label);
          }
          const button = h("button", {
            type: "button",
            class: "btn btn-" + (b.style || "default"),
            "data-action-id": b.action_id,
          }, b.label);
          button.addEventListener("click", () => act(message.id, b.action_id, b.value, button));
          return button;
        })),
    choice: (e, message) => {
      const select = h("select", { "data-action-id": e.action_id, "aria-label": e.label },
        h("option", { value: "", disabled: true, selected: true }, tr("choose_option")),
        e.options.map((o) => h("option", { value: o.value }, o.label)));
      select.addEventListener("change", () => act(message.id, e.action_id, select.value, select));
      return h("label", { class: "el-choice" }, h("span", {}, e.label), select);
    },
    fallback: (e) => h("div", { class: "el-text" }, e.text),
  };

  function renderElements(elements, message) {
    return (elements || []).map((e) => (ELEMENTS[e.type] || ELEMENTS.fallback)(e, message));
  }

  function fallbackToggle(text) {
    const pre = h("pre", { class: "fallback", hidden: true }, text);
    const button = h("button", { type: "button", class: "fallback-toggle" }, tr("text_version"));
    button.addEventListener("click", () => {
      pre.hidden = !pre.hidden;
      button.textContent = pre.hidden ? tr("text_version") : tr("hide_text_version");
    });
    return [button, pre];
  }

  // --- Forms -----------------------------------------------------------------------------

  const TICKED = new Set(["yes", "true", "True", "on", "1"]);

  function renderField(field, messageId) {
    const id = "f-" + messageId + "-" + field.name;
    const value = field.value;
    const values = Array.isArray(value) ? value.map(String) : value == null ? [] : [String(value)];
    const optional = field.required ? null : h("span", { class: "optional" }, " (" + tr("optional") + ")");
    const describedBy = field.error ? id + "-error" : null;
    let control;
    let label;
    switch (field.kind) {
      case "textarea":
        control = h("textarea", {
          id, name: field.name, maxlength: field.max_length, placeholder: field.placeholder || null,
          "aria-invalid": field.error ? "true" : null, "aria-describedby": describedBy,
        }, values[0] || "");
        break;
      case "number":
        control = h("input", {
          id, name: field.name, type: "number", min: field.min, max: field.max,
          value: values[0] || "", "aria-invalid": field.error ? "true" : null,
          "aria-describedby": describedBy,
        });
        break;
      case "select":
        control = h("select", { id, name: field.name, "aria-invalid": field.error ? "true" : null },
          h("option", { value: "" }, tr("choose_option")),
          field.options.map((o) =>
            h("option", { value: o.value, selected: values.includes(o.value) }, o.label)));
        break;
      case "radio":
      case "multiselect": {
        const type = field.kind === "radio" ? "radio" : "checkbox";
        const long = field.options.some((o) => o.label.length > 40);
        control = h("div", { class: long ? "options stacked" : "options", role: type === "radio" ? "radiogroup" : "group", "aria-labelledby": id + "-label" },
          field.options.map((o) =>
            h("label", { class: "option" },
              h("input", { type, name: field.name, value: o.value, checked: values.includes(o.value) }),
              h("span", {}, o.label))));
        label = h("div", { class: "legend", id: id + "-label" }, field.label, optional);
        break;
      }
      case "checkbox":
        control = h("label", { class: "option" },
          h("input", { type: "checkbox", name: field.name, value: "yes", checked: TICKED.has(values[0] || "") }),
          h("span", {}, field.label));
        label = null;
        break;
      default:
        control = h("input", {
          id, name: field.name, type: "text", maxlength: field.max_length,
          placeholder: field.placeholder || null, value: values[0] || "",
          "aria-invalid": field.error ? "true" : null, "aria-describedby": describedBy,
        });
    }
    if (label === undefined) label = h("label", { for: id }, field.label, optional);
    return h("div", { class: field.error ? "form-field has-error" : "form-field", "data-field": field.name },
      label,
      field.hint ? h("div", { class: "hint" }, field.hint) : null,
      control,
      field.error ? h("div", { class: "field-error", id: id + "-error" }, field.error) : null);
  }

  function formValues(form, fields) {
    const values = {};
    for (const field of fields) {
      const inputs = Array.from(form.querySelectorAll("[name]")).filter((el) => el.name === field.name);
      if (field.kind === "multiselect") {
        values[field.name] = inputs.filter((el) => el.checked).map((el) => el.value);
      } else if (field.kind === "radio") {
        const picked = inputs.find((el) => el.checked);
        values[field.name] = picked ? picked.value : "";
      } else if (field.kind === "checkbox") {
        values[field.name] = inputs[0] && inputs[0].checked ? "yes" : "";
      } else {
        values[field.name] = inputs[0] ? inputs[0].value : "";
      }
    }
    return values;
  }

  function renderForm(message) {
    const f = message.form;
    if (f.status !== "open") {
      return h("div", { class: "form-card closed", "data-form-id": f.form_id || "" },
        h("div", { class: "form-head" }, f.title,
          h("span", { class: "chip status" }, tr("form_" + f.status))));
    }
    const form = h("form", {
      class: "form-card", novalidate: true, "data-form-id": f.form_id, "data-message-id": message.id,
    },
    h("div", { class: "form-head" }, f.title),
    h("div", { class: "form-body" },
      renderElements(f.intro, message),
      f.fields.map((field) => renderField(field, message.id))));
    const cancel = h("button", { type: "button", class: "btn", "data-role": "cancel" }, f.cancel_label);
    const submit = h("button", { type: "submit", class: "btn btn-primary", "data-role": "submit" }, f.submit_label);
    form.appendChild(h("div", { class: "form-foot" }, cancel, submit));
    cancel.addEventListener("click", () => busy([cancel, submit], () =>
      api("POST", "/local/api/form/cancel", { persona: state.persona.id, message_id: message.id })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = formValues(form, f.fields);
      busy([cancel, submit], () => api("POST", "/local/api/form", {
        persona: state.persona.id, message_id: message.id, values, event_id: newId(),
      }));
    });
    return form;
  }

  async function busy(controls, fn) {
    controls.forEach((c) => { c.disabled = true; });
    const result = await attempt(fn);
    controls.forEach((c) => { c.disabled = false; });
    if (result) await loadMessages();
    return result;
  }

  async function act(messageId, actionId, value, control) {
    const result = await busy([control], () => api("POST", "/local/api/action", {
      persona: state.persona.id, message_id: messageId, action_id: actionId, value, event_id: newId(),
    }));
    if (result && actionId === "language.set") await refreshWords();
    return result;
  }

  // After "/mentoring language fr" the page speaks the persona's new language too.
  const LANGUAGE_COMMAND = /^\/?mentoring\s+(language|langue|lang)\s+\S/i;

  async function refreshWords() {
    if (!state.persona) return;
    const data = await attempt(() => api("GET", "/local/api/personas/" + encodeURIComponent(state.persona.id)));
    if (!data || !state.persona || data.persona.id !== state.persona.id) return;
    state.ui = data.ui;
    state.suggestions = data.suggestions || {};
    state.lang = data.lang;
    state.personas = data.personas;
    state.persona = data.persona;
    applyWords();
    renderMe();
    renderPersonas();
    renderHeader();
    renderClock();
    state.nodes.clear();
    await loadMessages();
  }

  // --- Messages --------------------------------------------------------------------------

  function personaById(id) {
    return state.personas.find((p) => p.id === id) || null;
  }

  function avatar(persona, size) {
    const cls = "avatar" + (size ? " " + size : "");
    if (!persona) return h("img", { class: cls, src: "/local/static/favicon.svg", alt: "" });
    return h("span", { class: cls, style: "background:" + safeColor(persona.color), "aria-hidden": "true" }, persona.initials);
  }

  function safeColor(color) {
    return /^#[0-9a-fA-F]{3,8}$/.test(color || "") ? color : "#777";
  }

  function timeZone() {
    return state.persona ? state.persona.timezone : undefined;
  }

  // en-GB and en-US read times differently: use the persona's own locale when it matches.
  function dateLocale() {
    const own = state.persona && state.persona.locale;
    return own && own.split("-")[0] === state.lang ? own : state.lang;
  }

  function formatTime(iso) {
    if (!iso) return "";
    return new Intl.DateTimeFormat(dateLocale(), { hour: "2-digit", minute: "2-digit", timeZone: timeZone() })
      .format(new Date(iso));
  }

  function formatDay(iso) {
    return new Intl.DateTimeFormat(dateLocale(), { weekday: "long", day: "numeric", month: "long", timeZone: timeZone() })
      .format(new Date(iso));
  }

  function renderMessage(message, continued) {
    const isUser = message.kind === "user";
    const persona = isUser ? personaById(message.author_id) : null;
    const author = isUser ? message.author : tr("bot_name");
    let body;
    if (message.kind === "form") body = [renderForm(message)];
    else if (isUser) body = [renderLines(message.lines)];
    else body = [renderElements(message.elements, message), fallbackToggle(message.fallback || "")];
    return h("div", {
      class: continued ? "message continued" : "message",
      "data-message-id": message.id,
      "data-kind": message.kind,
    },
    avatar(isUser ? persona || { initials: (author || "?").slice(0, 1), color: "#777" } : null),
    h("div", { class: "message-body" },
      continued ? null : h("div", { class: "message-head" },
        h("span", { class: "message-author" }, author),
        isUser ? null : h("span", { class: "chip bot-badge" }, tr("app_badge")),
        h("time", { class: "message-time", datetime: message.time || "" }, formatTime(message.time))),
      message.private ? h("div", { class: "private-note" }, tr("only_you")) : null,
      body));
  }

  function renderMessages(messages) {
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    if (messages.length === 0) {
      state.nodes.clear();
      box.replaceChildren(h("div", { class: "empty" }, tr("empty_" + state.conversation)));
      return;
    }
    const nodes = [];
    const kept = new Map();
    let previous = null;
    for (const message of messages) {
      const day = message.time ? formatDay(message.time) : "";
      if (!previous || previous.day !== day) nodes.push(h("div", { class: "day" }, day));
      const author = message.kind === "user" ? message.author_id : "bot";
      const at = message.time ? Date.parse(message.time) : 0;
      const continued = Boolean(previous && previous.day === day && previous.author === author &&
        at - previous.at < 5 * 60 * 1000 && message.kind !== "form" && !message.private);
      // Reuse an unchanged node, so what someone is typing in an open form is kept.
      const sig = JSON.stringify(message) + (continued ? "|c" : "");
      const old = state.nodes.get(message.id);
      const node = old && old.sig === sig ? old.node : renderMessage(message, continued);
      kept.set(message.id, { sig, node });
      nodes.push(node);
      previous = { day, author, at };
    }
    state.nodes = kept;
    box.replaceChildren(...nodes);
    if (atBottom || box.dataset.fresh === "1") {
      box.scrollTop = box.scrollHeight;
      box.dataset.fresh = "0";
    }
  }

  async function loadMessages() {
    if (!state.persona) return;
    const persona = state.persona.id;
    const conversation = state.conversation;
    const seq = ++state.loadSeq;
    const data = await attempt(() =>
      api("GET", "/local/api/personas/" + encodeURIComponent(persona) + "/conversations/" + conversation));
    // A late answer for a persona or conversation no longer shown is dropped.
    if (!data || seq !== state.loadSeq || !state.persona || state.persona.id !== persona ||
        state.conversation !== conversation) return;
    renderMessages(data.messages);
  }

  // --- Chrome: words, sidebar, header, composer, clock --------------------------------------

  function applyWords() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-ui]").forEach((el) => { el.textContent = tr(el.dataset.ui); });
    document.querySelectorAll("[data-ui-aria]").forEach((el) => {
      el.setAttribute("aria-label", tr(el.dataset.uiAria));
    });
  }

  function renderMe() {
    const me = $("me");
    const p = state.persona;
    if (!p) {
      me.replaceChildren();
      return;
    }
    me.replaceChildren(
      h("div", { class: "me-label" }, tr("you_are")),
      h("div", { class: "me-card", "data-persona": p.id },
        avatar(p),
        h("div", {},
          h("div", { class: "me-name" }, p.name),
          h("div", { class: "me-detail" }, p.title),
          h("div", { class: "me-detail" }, p.role_label + " · " + p.locale + " · " + p.timezone),
          h("div", { class: "me-detail", id: "me-time" }))));
    renderLocalTime();
  }

  function renderLocalTime() {
    const el = $("me-time");
    if (!el || !state.persona || !state.clock) return;
    const now = new Date(state.clock.now);
    const time = new Intl.DateTimeFormat(dateLocale(), {
      weekday: "short", hour: "2-digit", minute: "2-digit", timeZone: state.persona.timezone,
    }).format(now);
    el.textContent = tr("local_time", { time });
  }

  function renderPersonas() {
    const list = $("personas");
    list.replaceChildren(...state.personas.map((p) => {
      const unread = state.unread[p.id] || 0;
      const active = state.persona && state.persona.id === p.id;
      const button = h("button", {
        type: "button", class: active ? "persona active" : "persona", "data-persona": p.id,
        "aria-current": active ? "true" : null, title: p.title,
      },
      avatar(p, "small"),
      h("span", {}, h("div", { class: "persona-name" }, p.name), h("div", { class: "persona-role" }, p.role_label)),
      unread && !active ? h("span", { class: "badge" }, String(unread)) : null);
      button.addEventListener("click", () => selectPersona(p.id));
      return h("li", {}, button);
    }));
  }

  function renderNav() {
    $("nav").hidden = !state.persona;
    document.querySelectorAll(".nav-item").forEach((item) => {
      const key = item.dataset.conv;
      const count = state.unread["conv:" + key] || 0;
      item.classList.toggle("active", key === state.conversation);
      item.classList.toggle("unread", count > 0 && key !== state.conversation);
      const badge = item.querySelector(".badge");
      badge.hidden = !(count > 0 && key !== state.conversation);
      badge.textContent = String(count);
    });
  }

  function renderHeader() {
    const key = state.conversation;
    $("conversation-title").textContent =
      key === "general" ? "# " + tr("general") : key === "home" ? tr("home") : tr("bot_name");
    $("conversation-topic").textContent = tr("topic_" + key);
    const area = $("composer-area");
    area.hidden = key === "home";
    const input = $("composer-input");
    input.placeholder = tr("composer_" + key);
    $("suggestions").replaceChildren(
      h("span", { class: "label" }, tr("try")),
      ...(state.suggestions[key] || []).map((text) => {
        const chip = h("button", { type: "button", class: "suggestion" }, text);
        chip.addEventListener("click", () => send(text));
        return chip;
      }));
  }

  function renderClock() {
    const box = $("clock");
    if (!state.clock || !state.persona) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    if (!state.clock.enabled) {
      box.replaceChildren(h("div", { class: "clock-hint" }, tr("clock_off")));
      return;
    }
    const now = new Intl.DateTimeFormat(dateLocale(), {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
      timeZone: state.persona.timezone,
    }).format(new Date(state.clock.now));
    const step = (label, seconds) => {
      const button = h("button", { type: "button", class: seconds ? null : "run", "data-advance": seconds }, tr(label));
      button.addEventListener("click", () => advance(seconds, button));
      return button;
    };
    box.title = tr("clock_hint");
    box.replaceChildren(
      h("div", { class: "clock-label" },
        h("div", { class: "clock-title" }, tr("clock")),
        h("div", { class: "clock-now", id: "clock-now" }, now)),
      h("div", { class: "clock-buttons" },
        step("clock_hour", 3600), step("clock_day", 86400), step("clock_week", 604800), step("clock_tick", 0)));
  }

  async function advance(seconds, button) {
    button.disabled = true;
    const data = await attempt(() => api("POST", "/local/api/clock", { advance_seconds: seconds }));
    button.disabled = false;
    if (!data) return;
    state.clock = data;
    renderClock();
    renderLocalTime();
    toast(tr("clock_ran", { time: $("clock-now") ? $("clock-now").textContent : data.now }), "info");
    await loadMessages();
  }

  function renderChooser() {
    $("conversation-title").textContent = tr("workspace");
    $("conversation-topic").textContent = tr("workspace_note");
    $("composer-area").hidden = true;
    state.nodes.clear();
    $("messages").replaceChildren(h("div", { class: "chooser" },
      h("h2", {}, tr("choose_title")),
      h("p", {}, tr("choose_intro")),
      h("div", { class: "cards" }, state.personas.map((p) => {
        const card = h("button", { type: "button", class: "card", "data-persona": p.id },
          avatar(p, "large"),
          h("div", {},
            h("div", { class: "card-name" }, p.name),
            h("div", { class: "card-detail" }, p.title),
            h("div", {}, h("span", { class: "chip " + p.role }, p.role_label)),
            h("div", { class: "card-detail" }, p.locale + " · " + p.timezone)));
        card.addEventListener("click", () => selectPersona(p.id));
        return card;
      }))));
  }

  // --- Actions -----------------------------------------------------------------------------

  async function send(text) {
    const trimmed = (text || "").trim();
    if (!trimmed || !state.persona) return false;
    const input = $("composer-input");
    const button = $("composer-send");
    input.disabled = true;
    button.disabled = true;
    const result = await attempt(() => api("POST", "/local/api/command", {
      persona: state.persona.id, conversation: state.conversation, text: trimmed, event_id: newId(),
    }));
    input.disabled = false;
    button.disabled = false;
    input.focus();
    if (result) {
      $("messages").dataset.fresh = "1";
      if (LANGUAGE_COMMAND.test(trimmed)) await refreshWords();
      else await loadMessages();
    }
    return Boolean(result);
  }

  // Under ~900 px the sidebar is a drawer, opened with the menu button.
  function setMenu(open) {
    $("app").classList.toggle("menu-open", open);
    $("menu-toggle").setAttribute("aria-expanded", open ? "true" : "false");
  }

  async function selectConversation(key) {
    setMenu(false);
    state.conversation = key;
    delete state.unread["conv:" + key];
    location.hash = state.persona.id + "/" + key;
    state.nodes.clear();
    $("messages").replaceChildren();
    $("messages").dataset.fresh = "1";
    renderNav();
    renderHeader();
    if (key === "home") {
      await attempt(() => api("POST", "/local/api/home", { persona: state.persona.id }));
    }
    await loadMessages();
  }

  async function selectPersona(id, conversation) {
    // Forget what the previous persona saw before anything else is drawn.
    state.loadSeq++;
    state.nodes.clear();
    $("messages").replaceChildren();
    const data = await attempt(() => api("GET", "/local/api/personas/" + encodeURIComponent(id)));
    if (!data) return;
    state.ui = data.ui;
    state.suggestions = data.suggestions || {};
    state.lang = data.lang;
    state.personas = data.personas;
    state.persona = data.persona;
    delete state.unread[id];
    Object.keys(state.unread).filter((k) => k.startsWith("conv:")).forEach((k) => delete state.unread[k]);
    applyWords();
    renderMe();
    renderPersonas();
    renderClock();
    await selectConversation(conversation || "dm");
  }

  // --- Live updates ------------------------------------------------------------------------

  function listen() {
    const source = new EventSource("/local/api/events");
    source.onopen = () => { $("banner").hidden = true; };
    source.onerror = () => {
      $("banner").textContent = tr("offline");
      $("banner").hidden = false;
    };
    source.onmessage = (event) => {
      let notice;
      try {
        notice = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (notice.type === "hello") {
        loadMessages();
      } else if (notice.type === "clock" && state.clock) {
        state.clock.now = notice.now;
        renderClock();
        renderLocalTime();
      } else if (notice.type === "message") {
        noticeMessage(notice);
      }
    };
  }

  function noticeMessage(notice) {
    const mine = state.persona && (notice.viewer === null || notice.viewer === state.persona.id);
    if (mine && notice.conversation === state.conversation) {
      loadMessages();
      return;
    }
    if (mine) {
      const key = "conv:" + notice.conversation;
      state.unread[key] = (state.unread[key] || 0) + 1;
      renderNav();
    }
    if (notice.viewer && (!state.persona || notice.viewer !== state.persona.id)) {
      state.unread[notice.viewer] = (state.unread[notice.viewer] || 0) + 1;
      renderPersonas();
    }
  }

  // --- Start -------------------------------------------------------------------------------

  async function start() {
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("composer-input");
      if (await send(input.value)) input.value = "";
    });
    document.querySelectorAll(".nav-item").forEach((item) => {
      item.addEventListener("click", () => selectConversation(item.dataset.conv));
    });
    $("menu-toggle").addEventListener("click", () => setMenu(!$("app").classList.contains("menu-open")));
    $("menu-backdrop").addEventListener("click", () => setMenu(false));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") setMenu(false);
    });
    let data;
    try {
      data = await api("GET", "/local/api/workspace");
    } catch (error) {
      $("messages").replaceChildren(h("div", { class: "empty" }, error.message));
      return;
    }
    state.ui = data.ui;
    state.suggestions = data.suggestions || {};
    state.lang = data.lang;
    state.personas = data.personas;
    state.clock = data.clock;
    applyWords();
    renderPersonas();
    listen();
    const [persona, conversation] = decodeURIComponent(location.hash.slice(1)).split("/");
    if (persona && personaById(persona)) {
      await selectPersona(persona, ["dm", "general", "home"].includes(conversation) ? conversation : "dm");
    } else {
      renderChooser();
    }
    document.body.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
