// The README's pictures, taken from the running demo on every test run so they stay current
// (README, "What it looks like"): the HMIS Export tab filtered to the DV aggregate with the push
// controls and vendor status, a vendor's status page with its charts, the coordinator's page at
// phone width, and the Grafana dashboard's panels plotted from what a real Prometheus answered
// to their queries in the black-box test (server/tests/blackbox/prometheus.rs).
import { test, expect, type Page } from "@playwright/test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { ADMIN, NIGHTDESK, hydrated, open, signInToWelcome } from "./support";

const OUT = path.resolve(__dirname, "../../docs/screenshots");
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(homedir(), ".cache/hmis-bridge/target");
const SAMPLE = path.join(TARGET, "dashboard-sample.json");

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(OUT, name), fullPage: false, animations: "disabled" });
}

test.beforeAll(() => mkdirSync(OUT, { recursive: true }));

test("the admin's HMIS Export tab and a vendor's status page", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  await signInToWelcome(page, ADMIN);
  await open(page, "/admin/hmis-export?rows=dv", true);
  await shot(page, "hmis-export-vendors.png");
  const preview = page.getByRole("heading", { name: "Preview: the rows that will be sent" });
  await expect(preview).toBeVisible();
  await preview.evaluate((h) => h.scrollIntoView({ block: "start" }));
  await shot(page, "hmis-export.png");

  await open(page, "/admin/hmis-export/vendors", true);
  await page.getByRole("link", { name: "Bitfocus Clarity (simulator)" }).first().click();
  await hydrated(page);
  const status = page.getByRole("heading", { name: "Status" });
  await expect(status).toBeVisible();
  await status.scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, -20));
  await shot(page, "vendor-status.png");
  await context.close();
});

test("the coordinator's counts at phone width", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signInToWelcome(page, NIGHTDESK);
  await open(page, "/shelters", true);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await shot(page, "coordinator-phone.png");
  await context.close();
});

type Series = { name: string; points: [number, number][] };
type Panel = { title: string; unit: string; series: Series[] };

/** One panel as a small SVG line chart with its legend. */
function panelHtml(p: Panel): string {
  const colours = ["#0b6e69", "#c77c02", "#b3261e", "#4f5bd5", "#6b7280", "#2f855a"];
  const all = p.series.flatMap((s) => s.points);
  if (all.length === 0) return `<div class="panel"><h2>${p.title}</h2><p>no data</p></div>`;
  const [t0, t1] = [Math.min(...all.map((x) => x[0])), Math.max(...all.map((x) => x[0]))];
  const [v0, v1] = [Math.min(0, ...all.map((x) => x[1])), Math.max(...all.map((x) => x[1]))];
  const x = (t: number) => 10 + ((t - t0) / Math.max(1, t1 - t0)) * 380;
  const y = (v: number) => 130 - ((v - v0) / (v1 - v0 || 1)) * 120;
  const lines = p.series.slice(0, 6).map((s, i) => {
    const pts = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    return `<polyline fill="none" stroke="${colours[i]}" stroke-width="2" points="${pts}"/>`;
  });
  const legend = p.series
    .slice(0, 6)
    .map((s, i) => `<span><i style="background:${colours[i]}"></i>${s.name}</span>`)
    .join("");
  const top = `${+v1.toPrecision(3)} ${p.unit}`;
  return `<div class="panel"><h2>${p.title}</h2><svg viewBox="0 0 400 140"><text x="10" y="12">${top}</text>${lines.join("")}</svg><div class="legend">${legend}</div></div>`;
}

test("the Grafana dashboard's panels, from a real Prometheus", async ({ page }) => {
  test.skip(!existsSync(SAMPLE), `${SAMPLE} is written by the black-box test prometheus.rs`);
  const panels: Panel[] = JSON.parse(readFileSync(SAMPLE, "utf8"));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.setContent(`<!doctype html><html><head><style>
    body { font: 13px system-ui, sans-serif; margin: 12px; background: #111217; color: #d8d9da; }
    h1 { font-size: 16px; margin: 0 0 8px; }
    .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
    .panel { background: #181b1f; border: 1px solid #2c3235; padding: 6px 8px; }
    h2 { font-size: 12px; margin: 0 0 4px; font-weight: 600; }
    svg { width: 100%; height: auto; } text { fill: #9fa7b3; font-size: 10px; }
    .legend { font-size: 10px; color: #9fa7b3; } .legend span { margin-right: 8px; white-space: nowrap; }
    .legend i { display: inline-block; width: 8px; height: 8px; margin-right: 3px; }
  </style></head><body><h1>HMIS Bridge (deploy/grafana/hmis-bridge.json): each panel's queries as Prometheus answered them</h1>
  <div class="grid">${panels.map(panelHtml).join("")}</div></body></html>`);
  await page.screenshot({ path: path.join(OUT, "grafana-panels.png"), fullPage: true });
});
