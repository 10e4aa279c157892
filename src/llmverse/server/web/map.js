// The town on a canvas: tiles, places (labelled), characters and players, the route to follow.
// Characters walk the tiles the server says they walked (a tick's trail), one tile at a time; labels
// are placed so that none covers another (places first, then characters, then other players).
import { nameIn } from "./i18n.js";

export const TILE = 12; // pixels per tile
export const ROUTE_COLOR = "#ff7a00";
const COLORS = { street: "#e9dfc8", wall: "#5b4a3a", floor: "#cdb48e", open: "#b9d69a", water: "#5b8fc9",
  blocked: "#8a8a8a", me: "#d62828", player: "#6c757d", character: "#1f3b57" };
const PLACE_FONT = "bold 11px system-ui, sans-serif", NAME_FONT = "10px system-ui, sans-serif";

// Every tile of a path given by its turning points (straight 8-way runs between them).
export function expand(waypoints) {
  const out = [];
  for (let i = 0; i < waypoints.length; i++) {
    const [x, y] = waypoints[i];
    if (i === 0) { out.push([x, y]); continue; }
    let [px, py] = waypoints[i - 1];
    while (px !== x || py !== y) {
      px += Math.sign(x - px); py += Math.sign(y - py);
      out.push([px, py]);
    }
  }
  return out;
}

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

export class TownMap {
  constructor(canvas, world) {
    this.canvas = canvas;
    this.world = world;
    this.lang = "en";
    this.characters = {}; // id -> {tile, place, names}
    this.players = {};    // name -> [x, y]
    this.me = null;       // {name, tile}
    this.route = null;    // [[x, y], ...] every tile
    this.labels = [];     // the boxes drawn last time: {text, x, y, w, h} (the tests read them)
    this.walks = {};      // id -> timer of a character walking its trail
    this.trace = {};      // id -> the last tiles shown for it, [x, y, walk number] (the tests check the steps)
    const m = world.map;
    canvas.width = m.width * TILE;
    canvas.height = m.height * TILE;
    this.background = this.paintBackground();
  }

  paintBackground() {
    const m = this.world.map, off = document.createElement("canvas");
    off.width = this.canvas.width; off.height = this.canvas.height;
    const g = off.getContext("2d");
    for (let y = 0; y < m.height; y++) {
      for (let x = 0; x < m.width; x++) {
        const walk = this.walkable(x, y), p = this.placeAt(x, y);
        let c = walk ? COLORS.street : COLORS.water;
        if (p) c = p.open_air ? (walk ? COLORS.open : COLORS.blocked) : (walk ? COLORS.floor : COLORS.wall);
        g.fillStyle = c;
        g.fillRect(x * TILE, y * TILE, TILE, TILE);
      }
    }
    for (const b of m.blocked) if (b.name) { g.fillStyle = COLORS.blocked; g.fillRect(b.x * TILE, b.y * TILE, b.w * TILE, b.h * TILE); }
    return off;
  }

  walkable(x, y) {
    const m = this.world.map;
    return x >= 0 && y >= 0 && x < m.width && y < m.height && m.walkable[y][x] === "1";
  }

  placeAt(x, y) {
    return this.world.places.find((p) => x >= p.rect.x && x < p.rect.x + p.rect.w && y >= p.rect.y && y < p.rect.y + p.rect.h);
  }

  tileAt(event) {
    const r = this.canvas.getBoundingClientRect();
    const sx = this.canvas.width / r.width, sy = this.canvas.height / r.height;
    return [Math.floor(((event.clientX - r.left) * sx) / TILE), Math.floor(((event.clientY - r.top) * sy) / TILE)];
  }

  // A character walks the tiles of `trail` (turning points), evenly over `ms`; a new trail replaces
  // the rest of an old one (it starts where the server says the character stood).
  walk(id, trail, ms) {
    const c = this.characters[id];
    if (!c) return;
    clearInterval(this.walks[id]);
    const tiles = expand(trail);
    if (tiles.length < 2) { delete this.walks[id]; return; }
    const step = Math.max(15, Math.min(250, ms / (tiles.length - 1)));
    let i = 0;
    const n = (this.walkCount = (this.walkCount || 0) + 1);
    const next = () => {
      c.tile = tiles[i++];
      (this.trace[id] = this.trace[id] || []).push([...c.tile, n]);
      if (this.trace[id].length > 400) this.trace[id].shift();
      if (i >= tiles.length) { clearInterval(this.walks[id]); delete this.walks[id]; }
      this.draw();
    };
    next();
    if (i < tiles.length) this.walks[id] = setInterval(next, step);
  }

  draw() {
    const g = this.canvas.getContext("2d");
    g.drawImage(this.background, 0, 0);
    if (this.route && this.route.length > 1) {
      g.strokeStyle = ROUTE_COLOR; g.lineWidth = 4; g.lineJoin = "round"; g.beginPath();
      this.route.forEach(([x, y], i) => {
        const px = x * TILE + TILE / 2, py = y * TILE + TILE / 2;
        i ? g.lineTo(px, py) : g.moveTo(px, py);
      });
      g.stroke();
    }
    const others = Object.entries(this.players).filter(([name, tile]) => tile && (!this.me || name !== this.me.name));
    const chars = Object.entries(this.characters);
    for (const [, tile] of others) this.dot(g, tile, COLORS.player, 4);
    for (const [, c] of chars) this.dot(g, c.tile, COLORS.character, 5);
    if (this.me) this.dot(g, this.me.tile, COLORS.me, 6);
    // Labels last, most important first: a label that finds no free spot is left out, never overlapped.
    this.labels = [];
    const dots = [...chars.map(([, c]) => c.tile), ...others.map(([, t]) => t), ...(this.me ? [this.me.tile] : [])]
      .map(([x, y]) => ({ x: x * TILE, y: y * TILE, w: TILE, h: TILE }));
    for (const p of this.world.places) {
      const cx = (p.rect.x + p.rect.w / 2) * TILE, cy = (p.rect.y + p.rect.h / 2) * TILE;
      this.label(g, nameIn(p.names, this.lang), PLACE_FONT, [[cx, cy], [cx, cy - 14], [cx, cy + 14]], dots, "place");
    }
    for (const [id, c] of chars) this.nameTag(g, c.tile, c.names ? nameIn(c.names, this.lang) : id, dots, "character");
    for (const [name, tile] of others) this.nameTag(g, tile, name, dots, "player");
  }

  nameTag(g, [x, y], text, dots, kind) {
    const px = x * TILE + TILE / 2, py = y * TILE + TILE / 2;
    const spots = [[px, py - 11], [px, py + 16], [px + 8, py + 3, "left"], [px - 8, py + 3, "right"],
      [px, py - 22], [px, py + 27], [px + 8, py - 9, "left"], [px - 8, py - 9, "right"]];
    this.label(g, text, NAME_FONT, spots, dots, kind);
  }

  // Draw `text` at the first of `spots` ([x, baseline y, align]) where it covers no label already
  // drawn and no dot; records its box in this.labels.
  label(g, text, font, spots, dots, kind) {
    g.font = font;
    const w = Math.ceil(g.measureText(text).width) + 4, h = font === PLACE_FONT ? 13 : 11;
    for (const [x, y, align = "center"] of spots) {
      const left = align === "center" ? x - w / 2 : align === "left" ? x - 2 : x - w + 2;
      const box = { x: left, y: y - h + 2, w, h };
      if (box.x < 0 || box.y < 0 || box.x + w > this.canvas.width || box.y + h > this.canvas.height) continue;
      if (this.labels.some((b) => overlaps(box, b)) || (kind !== "place" && dots.some((d) => overlaps(box, d)))) continue;
      g.textAlign = align; g.lineWidth = 3;
      if (kind === "place") { g.fillStyle = "#fffd"; g.strokeStyle = "#0008"; g.strokeText(text, x, y); }
      else { g.fillStyle = "#111"; g.strokeStyle = "#fffc"; g.strokeText(text, x, y); }
      g.fillText(text, x, y);
      this.labels.push({ text, kind, ...box });
      return true;
    }
    return false;
  }

  dot(g, [x, y], color, radius) {
    const px = x * TILE + TILE / 2, py = y * TILE + TILE / 2;
    g.fillStyle = color; g.beginPath(); g.arc(px, py, radius, 0, Math.PI * 2); g.fill();
    g.strokeStyle = "#fff"; g.lineWidth = 1.5; g.stroke();
  }
}
