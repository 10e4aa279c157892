// The web client: log in, then one WebSocket for the session; REST for the world, past conversations
// and the gazette.
import { t, nameIn } from "./i18n.js";
import { TownMap, expand } from "./map.js";

const $ = (id) => document.getElementById(id);
const state = { lang: localStorage.getItem("lang") || "en", token: sessionStorage.getItem("token"), name: null,
  ws: null, map: null, world: null, characters: {}, pending: {}, seq: 0, walking: null, walks: 0, lastTick: 0,
  seen: new Set() };  // ids of the conversation events shown (history, replies, live): each is shown once

// --- language --------------------------------------------------------------------------------
function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(state.lang, el.dataset.i18n);
  $("lang").textContent = t(state.lang, "lang");
  $("assistant-input").placeholder = t(state.lang, "askPlaceholder");
  $("chat-input").placeholder = t(state.lang, "chatPlaceholder");
  if (state.world) $("title").textContent = nameIn(state.world.name, state.lang);
  fillCharacters();
  for (const el of document.querySelectorAll("#game .msg[data-who] .from")) el.textContent = `${speakerName(el.parentElement.dataset.who)}:`;
  if (state.map) { state.map.lang = state.lang; state.map.draw(); }
  for (const p of Object.values(state.pending)) if (p.queued && p.el.dataset.state === "queued") p.status.textContent = queuedText(p);
}
$("lang").addEventListener("click", () => {
  state.lang = state.lang === "en" ? "zh" : "en";
  localStorage.setItem("lang", state.lang);
  applyLanguage();
  loadGazette();
});

// --- log in ----------------------------------------------------------------------------------
async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json", ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}) };
  const r = await fetch(path, { ...options, headers });
  if (r.status === 401 && path !== "/api/login") logout();
  if (!r.ok) {
    const detail = (await r.json().catch(() => ({}))).detail || r.statusText;
    const reasons = typeof detail === "object" ? detail.reasons : null;
    throw Object.assign(new Error(typeof detail === "object" ? detail.detail : detail), { status: r.status, reasons });
  }
  return r.json();
}

// Names are lower-case on the server: "Alice" is the account "alice", at sign-up and at login.
async function signIn(path) {
  $("login-error").textContent = "";
  const name = $("login-name").value.trim().toLowerCase();
  try {
    const body = JSON.stringify({ name, password: $("login-password").value });
    const r = await api(path, { method: "POST", body });
    state.token = r.token;
    sessionStorage.setItem("token", r.token);
    await start();
  } catch (e) {
    $("login-error").textContent = accountError(e, name);
  }
}

// A refused log-in or sign-up in the page's language: the server words it in English, so it is read by
// its status, with the figures the server's text gives (the name's lengths, the password's).
function accountError(e, name) {
  const says = e.message || "", figures = says.match(/\d+/g) || [];
  switch (e.status) {
    case 401: return t(state.lang, "loginFailed");
    case 403: return t(state.lang, "closed");
    case 409: return t(state.lang, "nameTaken", name);
    case 422: return /password/.test(says) ? t(state.lang, "passwordShort", figures[0] || 8)
      : t(state.lang, "nameRules", figures[0] || 2, figures[1] || 32);
    case 429: return t(state.lang, "retry", figures[0] || 60);
    default: return t(state.lang, "failed");
  }
}
$("login-form").addEventListener("submit", (e) => { e.preventDefault(); signIn("/api/login"); });
$("register-button").addEventListener("click", () => signIn("/api/register"));
$("logout").addEventListener("click", () => signOut());

// The logout button: the server revokes the token (it would otherwise stay valid for weeks), then
// the page forgets it. A failed request still signs the page out.
function signOut() {
  if (state.token) {
    fetch("/api/logout", { method: "POST", headers: { Authorization: `Bearer ${state.token}` } }).catch(() => {});
  }
  logout();
}

function logout() {
  sessionStorage.removeItem("token");
  state.token = null;
  if (state.ws) state.ws.close();
  $("game").hidden = true; $("login").hidden = false; $("logout").hidden = true; $("who").textContent = "";
}

// --- the session -----------------------------------------------------------------------------
async function start() {
  const [me, world, characters] = await Promise.all([api("/api/me"), api("/api/world"), api("/api/characters")]);
  state.name = me.name; state.world = world;
  for (const c of characters) state.characters[c.id] = c;
  state.map = new TownMap($("map"), world);
  state.map.me = { name: me.name, tile: me.tile };
  for (const c of characters) state.map.characters[c.id] = { tile: c.tile, place: c.place, names: c.names };
  $("login").hidden = true; $("game").hidden = false; $("logout").hidden = false;
  $("who").textContent = me.name; $("clock").textContent = world.now.slice(11);
  applyLanguage();
  const partner = await lastPartner();
  if (partner) $("chat-to").value = partner;
  await Promise.all([showThread($("chat-to").value), loadHistory("assistant", $("assistant-log"))]);
  connect();
  loadGazette();
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  state.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "join", token: state.token, lang: state.lang }));
  ws.onmessage = (m) => onFrame(JSON.parse(m.data));
  ws.onclose = (e) => {
    // Replies under way on this socket never stream here: say so rather than "thinking" for ever. The
    // server still finishes a reply it had begun; its event, once reconnected, takes the bubble's place.
    for (const [id, p] of Object.entries(state.pending)) {
      onError({ type: "error", reason: "failed", id }, p);
      p.el.dataset.dropped = "1";
    }
    if (e.code === 4401) logout(); else if (state.token) setTimeout(connect, 2000);
  };
}

function send(frame) {
  frame.id = frame.id || `c${++state.seq}`;
  state.ws.send(JSON.stringify(frame));
  return frame.id;
}

function onFrame(f) {
  const map = state.map, pending = state.pending[f.id];
  switch (f.type) {
    case "welcome":
      map.me.tile = f.tile; $("clock").textContent = f.now.slice(11);
      for (const [id, c] of Object.entries(f.characters)) Object.assign(map.characters[id], c);
      map.players = { ...f.players }; map.draw(); break;  // the view as it is now: a reconnect forgets the old one
    case "moved": walk(f.waypoints); break;
    case "tick": onTick(f); break;
    case "players":
      for (const [name, tile] of Object.entries(f.tiles)) { if (tile) map.players[name] = tile; else delete map.players[name]; }
      map.draw(); break;
    case "event": onEvent(f.event); break;
    case "content": if (f.kind === "news") loadGazette(); break;
    case "queued": if (pending) { pending.el.dataset.state = "queued"; pending.queued = f; pending.status.textContent = queuedText(pending); } break;
    case "token":
      if (pending) {
        pending.text.textContent += f.text; pending.log.scrollTop = 1e9; pending.el.dataset.state = "speaking";
        pending.status.textContent = waitingText(pending);
      }
      break;
    case "route":
      map.route = f.path; map.draw();
      $("map").dataset.route = JSON.stringify(f.path); break;
    case "end":
      if (pending) { pending.text.textContent = f.text; pending.el.classList.remove("streaming");
        pending.el.dataset.events = f.events.join(","); pending.el.dataset.state = "done"; delete state.pending[f.id];
        for (const id of f.events) state.seen.add(id);
        pending.status.textContent = waitingText(pending); }
      break;
    case "error": onError(f, pending); break;
  }
}

// Why a request waits, in the page's language. The server says why (`reason`): behind the player's own
// earlier request (`own_request`: its words, `reasons[lang]`, else `detail`), behind other players'
// (`queue`: how many, and who is busy) or next (`next`: "thinking", as no frame says when it starts
// running). A frame without a reason (an older server) shows its position.
function queuedText(pending) {
  const f = pending.queued, who = speakerName(pending.speaker);
  if (!f.reason || f.reason === "queue" || f.reason === "next") return t(state.lang, "queued", f.position || 0, who);
  return (f.reasons && f.reasons[state.lang]) || f.detail || t(state.lang, "queued", f.position || 0, who);
}

// The status line once `done` speaks or ends: another request of the same panel still waiting says
// why it waits (its previous one is what was being answered), else the line is cleared.
function waitingText(done) {
  for (const p of Object.values(state.pending)) {
    if (p !== done && p.status === done.status && p.queued && p.el.dataset.state === "queued") return queuedText(p);
  }
  return "";
}

// The world moved on: each character walks the tiles it walked, over most of the time until the next
// tick (the server says how long that is; else the time since the last one).
function onTick(f) {
  const map = state.map, now = performance.now();
  const ms = 900 * (f.seconds || Math.min(10, (now - (state.lastTick || now)) / 1000) || 1);
  state.lastTick = now;
  $("clock").textContent = f.now.slice(11);
  for (const [id, c] of Object.entries(f.characters)) {
    const shown = map.characters[id];
    if (!shown) continue;
    shown.place = c.place; shown.heading = c.heading;
    if (c.trail && c.trail.length > 1) map.walk(id, c.trail, ms);
    else if (!map.walks[id]) shown.tile = c.tile;
  }
  map.draw();
}

function onEvent(ev) {
  const c = state.map.characters[ev.actor];
  if (ev.kind === "arrive" && c) c.place = ev.target;
  if (ev.kind === "say") onSay(ev);
}

// A line of the player's conversation that no request of this page is streaming: a reply the server
// finished after a reload (or after the connection dropped), or one from the player's other tab. It goes
// to its thread once the thread's history is there (history and live lines are matched by event id); a
// reply cut off by a dropped connection is filled in where the page said it failed.
function onSay(ev) {
  const other = ev.actor === state.name ? ev.target : ev.target === state.name ? ev.actor : null;
  const box = other === "assistant" ? $("assistant-log")
    : document.querySelector(`#chat-log .thread[data-with="${CSS.escape(other || "")}"]`);
  if (!box || !box.dataset.loaded || state.seen.has(ev.id) || ownRequest(ev, other)) return;
  state.seen.add(ev.id);
  const mine = ev.actor === state.name, text = ev.data.text || "";
  const dropped = mine ? null : box.querySelector(".msg[data-dropped]");
  if (dropped) {
    dropped.querySelector(".text").textContent = text; dropped.classList.remove("error");
    delete dropped.dataset.dropped; dropped.dataset.state = "done"; dropped.dataset.events = String(ev.id);
    return;
  }
  const b = bubble(box, mine ? "me" : other, text, false);
  b.el.dataset.event = ev.id;
}

// Is this line one of a request this page streams? A player's requests run one at a time, in the order
// sent, and each writes the player's line before the reply: the player's line belongs to the first
// waiting request to that speaker with none yet, a reply to the first that has its line and no reply.
function ownRequest(ev, other) {
  const mine = ev.actor === state.name;
  for (const p of Object.values(state.pending)) { // in the order sent
    if (p.speaker !== other) continue;
    if (mine && !p.line) { p.line = ev.id; return true; }
    if (!mine && p.line && !p.reply) { p.reply = ev.id; return true; }
  }
  return false;
}

// An error in the player's language: the server gives `reasons` per language where it can.
function errorText(f) {
  if (f.reason === "rate_limited") return t(state.lang, "retry", Math.ceil(f.retry_after));
  if (f.reasons && f.reasons[state.lang]) return f.reasons[state.lang];
  return { busy: t(state.lang, "busy"), failed: t(state.lang, "failed"), cancelled: t(state.lang, "cancelled") }[f.reason]
    || f.detail;
}

function onError(f, pending) {
  const text = errorText(f);
  if (pending) {
    pending.el.classList.remove("streaming"); pending.el.classList.add("error"); pending.el.dataset.state = "error";
    pending.text.textContent = text; delete state.pending[f.id]; pending.status.textContent = waitingText(pending);
  } else if (f.reason === "refused" && f.tile) {
    state.map.me.tile = f.tile; state.map.draw(); $("chat-status").textContent = text;
  } else {
    $("chat-status").textContent = text;
  }
}

// --- walking ---------------------------------------------------------------------------------
function walk(waypoints) {
  const tiles = expand(waypoints);
  clearInterval(state.walking);
  let i = 0;
  state.walking = setInterval(() => {
    if (i >= tiles.length) {
      clearInterval(state.walking);
      $("map").dataset.tile = state.map.me.tile.join(",");
      $("map").dataset.walks = String(++state.walks);
      return;
    }
    state.map.me.tile = tiles[i++]; state.map.draw();
  }, 25);
}
// A click on the map walks there, once the map has the focus: the click that gives it the focus (to
// use the arrow keys) does not move the player.
let focusedBefore = false;
$("map").addEventListener("mousedown", () => { focusedBefore = document.activeElement === $("map"); });
$("map").addEventListener("click", (e) => {
  $("map").focus();
  if (!focusedBefore) { $("chat-status").textContent = t(state.lang, "clickAgain"); return; }
  $("chat-status").textContent = "";
  send({ type: "move", to: state.map.tileAt(e), lang: state.lang });
});
$("map").addEventListener("keydown", (e) => {
  const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
  if (!d) return;
  e.preventDefault();
  const [x, y] = state.map.me.tile;
  send({ type: "move", to: [x + d[0], y + d[1]], lang: state.lang });
});
// Walk to the chosen character: the server picks a tile beside them that the player can reach.
$("walk-to").addEventListener("click", async () => {
  const id = $("chat-to").value;
  if (!id) return;
  $("chat-status").textContent = "";
  try {
    const spot = await api(`/api/characters/${encodeURIComponent(id)}/beside`);
    send({ type: "move", to: spot.tile, lang: state.lang });
  } catch (e) {
    $("chat-status").textContent = (e.reasons && e.reasons[state.lang]) || e.message;
  }
});

// --- talking and asking ----------------------------------------------------------------------
function fillCharacters() {
  const select = $("chat-to"), chosen = select.value;
  select.replaceChildren(...Object.values(state.characters).map((c) => {
    const o = document.createElement("option");
    o.value = c.id; o.textContent = `${nameIn(c.names, state.lang)} (${state.lang === "zh" && c.role_zh ? c.role_zh : c.role})`;
    return o;
  }));
  if (chosen) select.value = chosen;
}

// One thread per character in the chat panel; the chosen one is shown. Its history comes from the
// server the first time it is shown (after a reload too).
function thread(id) {
  let el = document.querySelector(`#chat-log .thread[data-with="${CSS.escape(id)}"]`);
  if (!el) {
    el = document.createElement("div"); el.className = "thread"; el.dataset.with = id;
    $("chat-log").append(el);
  }
  return el;
}

async function showThread(id) {
  if (!id) return;
  for (const el of document.querySelectorAll("#chat-log .thread")) el.hidden = el.dataset.with !== id;
  const el = thread(id);
  el.hidden = false;
  if (!el.dataset.loaded) await loadHistory(id, el);
}
$("chat-to").addEventListener("change", () => { $("chat-status").textContent = ""; showThread($("chat-to").value); });

// The character the player last talked with: after a reload, or in another browser, the page opens on
// that conversation.
async function lastPartner() {
  const said = await api("/api/conversations?last=20").catch(() => []);
  for (const ev of said.slice().reverse()) {
    const other = ev.actor === state.name ? ev.target : ev.actor;
    if (state.characters[other]) return other;
  }
  return null;
}

async function loadHistory(other, box) {
  box.dataset.loaded = "1";
  try {
    const said = await api(`/api/conversations?with=${encodeURIComponent(other)}&last=50`);
    const first = box.firstChild;
    for (const ev of said) {
      if (state.seen.has(ev.id)) continue; // already shown live while the history was on its way
      state.seen.add(ev.id);
      const b = bubble(box, ev.actor === state.name ? "me" : other, ev.data.text || "", false);
      b.el.dataset.event = ev.id; b.el.classList.add("past");
      box.insertBefore(b.el, first);
    }
    (box.closest(".log") || box).scrollTop = 1e9;
  } catch (e) {
    box.dataset.loaded = "";
  }
}

// Who said a message, in the page's language: "me", "assistant" or a character's id. The labels are
// written again when the language changes.
function speakerName(who) {
  if (who === "me") return t(state.lang, "you");
  if (who === "assistant") return t(state.lang, "assistant");
  return state.characters[who] ? nameIn(state.characters[who].names, state.lang) : who;
}

function bubble(log, who, text, streaming = who !== "me") {
  const mine = who === "me";
  const el = document.createElement("div"), from = document.createElement("span"), body = document.createElement("span");
  el.className = `msg${mine ? " me" : ""}${streaming ? " streaming" : ""}`; from.className = "from"; body.className = "text";
  el.dataset.who = who; from.textContent = `${speakerName(who)}:`; body.textContent = text;
  el.append(from, body); log.append(el); (log.closest(".log") || log).scrollTop = 1e9;
  return { el, text: body };
}

function request(frame, box, status, speaker) {
  bubble(box, "me", frame.text);
  const id = send(frame), reply = bubble(box, speaker, "");
  reply.el.dataset.state = "thinking";
  state.pending[id] = { ...reply, log: box.closest(".log") || box, status, speaker };
  status.textContent = t(state.lang, "thinking", speakerName(speaker));
}

$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("chat-input").value.trim(), to = $("chat-to").value;
  if (!text) { $("chat-status").textContent = t(state.lang, "emptyMessage"); return; }
  if (!to) return;
  $("chat-input").value = "";
  request({ type: "say", to, text }, thread(to), $("chat-status"), to);
});
$("assistant-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("assistant-input").value.trim();
  if (!text) { $("assistant-status").textContent = t(state.lang, "emptyMessage"); return; }
  $("assistant-input").value = "";
  request({ type: "ask", text, lang: state.lang }, $("assistant-log"), $("assistant-status"), "assistant");
});
// Recommendations: the assistant's recommend tool, from the player's interests and what they did.
$("suggest").addEventListener("click", () => {
  const text = t(state.lang, "suggestText");
  request({ type: "ask", text, lang: state.lang }, $("assistant-log"), $("assistant-status"), "assistant");
});

// --- the gazette -----------------------------------------------------------------------------
// The newest edition in the page's language (none in the other language stands in for it): its
// headline once, then its paragraphs as the reporter wrote them.
async function loadGazette() {
  if (!state.token) return;
  const box = $("gazette-body");
  try {
    const docs = await api("/api/content?kind=news&limit=10");
    const doc = docs.find((d) => d.language === state.lang);
    if (!doc) { box.textContent = t(state.lang, "noGazette"); box.dataset.doc = ""; return; }
    const full = await api(`/api/content/${doc.id}`);
    const h = document.createElement("h3");
    h.textContent = full.title;
    let text = full.text.trim();
    if (text.startsWith(full.title)) text = text.slice(full.title.length).trim();
    // A story is a paragraph: its headline on the first line, in bold, then the article.
    const paragraphs = text.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean).map((s) => {
      const p = document.createElement("p"), [first, ...rest] = s.split("\n");
      if (rest.length) {
        const b = document.createElement("strong"); b.textContent = first;
        p.append(b, "\n" + rest.join("\n"));
      } else p.textContent = first;
      return p;
    });
    box.replaceChildren(h, ...paragraphs);
    box.dataset.doc = doc.id; box.dataset.lang = full.language;
  } catch (e) {
    box.textContent = e.message;
  }
}

window.llmverse = state; // for the browser tests and the curious
applyLanguage();
if (state.token) start().catch(() => logout());
