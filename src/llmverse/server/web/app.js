// The web client: log in, then one WebSocket for the session; REST for the world and the gazette.
import { t, nameIn } from "./i18n.js";
import { TownMap, expand } from "./map.js";

const $ = (id) => document.getElementById(id);
const state = { lang: localStorage.getItem("lang") || "en", token: sessionStorage.getItem("token"), name: null,
  ws: null, map: null, world: null, characters: {}, pending: {}, seq: 0, walking: null };

// --- language --------------------------------------------------------------------------------
function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(state.lang, el.dataset.i18n);
  $("lang").textContent = t(state.lang, "lang");
  $("assistant-input").placeholder = t(state.lang, "askPlaceholder");
  $("chat-input").placeholder = t(state.lang, "chatPlaceholder");
  if (state.world) $("title").textContent = nameIn(state.world.name, state.lang);
  fillCharacters();
  if (state.map) { state.map.lang = state.lang; state.map.draw(); }
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
  if (!r.ok) throw Object.assign(new Error((await r.json().catch(() => ({}))).detail || r.statusText), { status: r.status });
  return r.json();
}

async function signIn(path) {
  $("login-error").textContent = "";
  try {
    const body = JSON.stringify({ name: $("login-name").value.trim(), password: $("login-password").value });
    const r = await api(path, { method: "POST", body });
    state.token = r.token;
    sessionStorage.setItem("token", r.token);
    await start();
  } catch (e) {
    $("login-error").textContent = e.status === 401 ? t(state.lang, "loginFailed") : e.message;
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
  connect();
  loadGazette();
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  state.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "join", token: state.token }));
  ws.onmessage = (m) => onFrame(JSON.parse(m.data));
  ws.onclose = (e) => { if (e.code === 4401) logout(); else if (state.token) setTimeout(connect, 2000); };
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
      Object.assign(map.players, f.players); map.draw(); break;
    case "moved": walk(f.waypoints); break;
    case "tick":
      $("clock").textContent = f.now.slice(11);
      for (const [id, c] of Object.entries(f.characters)) Object.assign(map.characters[id], c);
      map.draw(); break;
    case "players":
      for (const [name, tile] of Object.entries(f.tiles)) { if (tile) map.players[name] = tile; else delete map.players[name]; }
      map.draw(); break;
    case "event": onEvent(f.event); break;
    case "queued": if (pending) pending.status.textContent = t(state.lang, "queued", f.position); break;
    case "token": if (pending) { pending.text.textContent += f.text; pending.log.scrollTop = 1e9; pending.status.textContent = ""; } break;
    case "route":
      map.route = f.path; map.draw();
      $("map").dataset.route = JSON.stringify(f.path); break;
    case "end":
      if (pending) { pending.text.textContent = f.text; pending.el.classList.remove("streaming"); pending.status.textContent = "";
        pending.el.dataset.events = f.events.join(","); delete state.pending[f.id]; }
      break;
    case "error": onError(f, pending); break;
  }
}

function onEvent(ev) {
  const c = state.map.characters[ev.actor];
  if (ev.kind === "arrive" && c) c.place = ev.target;
}

function onError(f, pending) {
  const text = f.reason === "rate_limited" ? t(state.lang, "retry", Math.ceil(f.retry_after)) : f.detail;
  if (pending) {
    pending.el.classList.remove("streaming"); pending.el.classList.add("error");
    pending.text.textContent = text; pending.status.textContent = ""; delete state.pending[f.id];
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
    if (i >= tiles.length) { clearInterval(state.walking); $("map").dataset.tile = state.map.me.tile.join(","); return; }
    state.map.me.tile = tiles[i++]; state.map.draw();
  }, 25);
}
$("map").addEventListener("click", (e) => { send({ type: "move", to: state.map.tileAt(e) }); $("map").focus(); });
$("map").addEventListener("keydown", (e) => {
  const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
  if (!d) return;
  e.preventDefault();
  const [x, y] = state.map.me.tile;
  send({ type: "move", to: [x + d[0], y + d[1]] });
});
$("walk-to").addEventListener("click", () => {
  const c = state.map.characters[$("chat-to").value];
  if (c) send({ type: "move", to: [c.tile[0] - 1, c.tile[1]] });
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

function bubble(log, who, text, mine) {
  const el = document.createElement("div"), from = document.createElement("span"), body = document.createElement("span");
  el.className = `msg${mine ? " me" : " streaming"}`; from.className = "from"; body.className = "text";
  from.textContent = `${who}:`; body.textContent = text;
  el.append(from, body); log.append(el); log.scrollTop = 1e9;
  return { el, text: body };
}

function request(frame, log, status, speaker) {
  bubble(log, t(state.lang, "you"), frame.text, true);
  const id = send(frame), reply = bubble(log, speaker, "", false);
  state.pending[id] = { ...reply, log, status };
  status.textContent = t(state.lang, "thinking");
}

$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("chat-input").value.trim(), to = $("chat-to").value;
  if (!text || !to) return;
  $("chat-input").value = "";
  request({ type: "say", to, text }, $("chat-log"), $("chat-status"), nameIn(state.characters[to].names, state.lang));
});
$("assistant-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("assistant-input").value.trim();
  if (!text) return;
  $("assistant-input").value = "";
  request({ type: "ask", text, lang: state.lang }, $("assistant-log"), $("assistant-status"), t(state.lang, "assistant"));
});
// Recommendations: the assistant's recommend tool, from the player's interests and what they did.
$("suggest").addEventListener("click", () => {
  const text = t(state.lang, "suggestText");
  request({ type: "ask", text, lang: state.lang }, $("assistant-log"), $("assistant-status"), t(state.lang, "assistant"));
});

// --- the gazette -----------------------------------------------------------------------------
async function loadGazette() {
  if (!state.token) return;
  const box = $("gazette-body");
  try {
    const docs = await api("/api/content?kind=news&limit=10");
    const doc = docs.find((d) => d.language === state.lang) || docs[0];
    if (!doc) { box.textContent = t(state.lang, "noGazette"); return; }
    const full = await api(`/api/content/${doc.id}`);
    const h = document.createElement("h3"), p = document.createElement("p");
    h.textContent = full.title; p.textContent = full.text;
    box.replaceChildren(h, p);
  } catch (e) {
    box.textContent = e.message;
  }
}

window.llmverse = state; // for the browser tests and the curious
applyLanguage();
if (state.token) start().catch(() => logout());
