// The town on a canvas: tiles, places (labelled), characters and players, the route to follow.
import { nameIn } from "./i18n.js";

export const TILE = 12; // pixels per tile
export const ROUTE_COLOR = "#ff7a00";
const COLORS = { street: "#e9dfc8", wall: "#5b4a3a", floor: "#cdb48e", open: "#b9d69a", water: "#5b8fc9",
  blocked: "#8a8a8a", me: "#d62828", player: "#6c757d", character: "#1f3b57" };

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

export class TownMap {
  constructor(canvas, world) {
    this.canvas = canvas;
    this.world = world;
    this.lang = "en";
    this.characters = {}; // id -> {tile, place, names}
    this.players = {};    // name -> [x, y]
    this.me = null;       // {name, tile}
    this.route = null;    // [[x, y], ...] every tile
    const m = world.map;
    canvas.width = m.width * TILE;
    canvas.height = m.height * TILE;
    this.background = this.paintBackground();
  }

  paintBackground() {
    const m = this.world.map, off = document.createElement("canvas");
    off.width = this.canvas.width; off.height = this.canvas.height;
    const g = off.getContext("2d");
    const placeAt = {};
    for (const p of this.world.places) {
      for (let y = p.rect.y; y < p.rect.y + p.rect.h; y++)
        for (let x = p.rect.x; x < p.rect.x + p.rect.w; x++) placeAt[`${x},${y}`] = p;
    }
    for (let y = 0; y < m.height; y++) {
      for (let x = 0; x < m.width; x++) {
        const walk = m.walkable[y][x] === "1", p = placeAt[`${x},${y}`];
        let c = walk ? COLORS.street : COLORS.water;
        if (p) c = p.open_air ? (walk ? COLORS.open : COLORS.blocked) : (walk ? COLORS.floor : COLORS.wall);
        g.fillStyle = c;
        g.fillRect(x * TILE, y * TILE, TILE, TILE);
      }
    }
    for (const b of m.blocked) if (b.name) { g.fillStyle = COLORS.blocked; g.fillRect(b.x * TILE, b.y * TILE, b.w * TILE, b.h * TILE); }
    return off;
  }

  tileAt(event) {
    const r = this.canvas.getBoundingClientRect();
    const sx = this.canvas.width / r.width, sy = this.canvas.height / r.height;
    return [Math.floor(((event.clientX - r.left) * sx) / TILE), Math.floor(((event.clientY - r.top) * sy) / TILE)];
  }

  draw() {
    const g = this.canvas.getContext("2d");
    g.drawImage(this.background, 0, 0);
    g.font = "bold 11px system-ui, sans-serif";
    g.textAlign = "center";
    for (const p of this.world.places) {
      const cx = (p.rect.x + p.rect.w / 2) * TILE, cy = (p.rect.y + p.rect.h / 2) * TILE;
      g.fillStyle = "#fffd"; g.strokeStyle = "#0008"; g.lineWidth = 3;
      const label = nameIn(p.names, this.lang);
      g.strokeText(label, cx, cy); g.fillText(label, cx, cy);
    }
    if (this.route && this.route.length > 1) {
      g.strokeStyle = ROUTE_COLOR; g.lineWidth = 4; g.lineJoin = "round"; g.beginPath();
      this.route.forEach(([x, y], i) => {
        const px = x * TILE + TILE / 2, py = y * TILE + TILE / 2;
        i ? g.lineTo(px, py) : g.moveTo(px, py);
      });
      g.stroke();
    }
    for (const [name, tile] of Object.entries(this.players)) {
      if (tile && (!this.me || name !== this.me.name)) this.dot(g, tile, COLORS.player, 4, name);
    }
    for (const [id, c] of Object.entries(this.characters)) {
      this.dot(g, c.tile, COLORS.character, 5, c.names ? nameIn(c.names, this.lang) : id);
    }
    if (this.me) this.dot(g, this.me.tile, COLORS.me, 6, null);
  }

  dot(g, [x, y], color, radius, label) {
    const px = x * TILE + TILE / 2, py = y * TILE + TILE / 2;
    g.fillStyle = color; g.beginPath(); g.arc(px, py, radius, 0, Math.PI * 2); g.fill();
    g.strokeStyle = "#fff"; g.lineWidth = 1.5; g.stroke();
    if (label) {
      g.font = "10px system-ui, sans-serif"; g.fillStyle = "#111"; g.textAlign = "center";
      g.fillText(label, px, py - radius - 3);
    }
  }
}
