// A CoC admin makes an API token for a shelter's software, copies it once, sees it used, and
// revokes it; with JavaScript and without. Axe finds no serious issue on the page.
import { test, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, failOnScriptErrors, open, signInToWelcome } from "./support";

async function noSeriousAxeIssue(page: Page) {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

test("an admin makes a bed-counts token, it feeds counts, and is revoked without JavaScript", async ({ page, browser, request }) => {
  failOnScriptErrors(page);
  await signInToWelcome(page, ADMIN);
  await page.getByRole("link", { name: "API tokens" }).first().click();
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
  await noSeriousAxeIssue(page);
  // DV shelters are never offered.
  await expect(page.getByText("SafeHarbor")).toHaveCount(0);

  await page.getByLabel("Name", { exact: true }).fill("ShelterSoft feed");
  await page.getByLabel("Read and feed bed counts").check();
  await page.getByLabel("PRJ-2016 Veterans Bridge Emergency Housing").check();
  await page.getByRole("button", { name: "Make token" }).click();
  const secret = (await page.getByTestId("one-time-password").textContent())!.trim();
  expect(secret).toMatch(/^hbt_[A-Za-z0-9_-]{43}$/);

  // The shelter's software reads the counts and saves new ones with the version it read.
  const auth = { Authorization: `Bearer ${secret}` };
  const counts = await request.get("/api/v1/projects/PRJ-2016/bed-counts", { headers: auth });
  expect(counts.status()).toBe(200);
  const body = await counts.json();
  // The counts as they stand, confirmed (other journeys rely on the demo's counts).
  const lines = body.lines.map((l: { inventory_id: string; beds_total: number; beds_occupied: number }) => ({
    inventory_id: l.inventory_id,
    beds_total: l.beds_total,
    beds_occupied: l.beds_occupied,
  }));
  const saved = await request.put("/api/v1/projects/PRJ-2016/bed-counts", {
    headers: { ...auth, "If-Match": counts.headers()["etag"] },
    data: { lines },
  });
  expect(saved.status()).toBe(200);

  // Without JavaScript: the table shows it was used; Revoke stops it.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await signInToWelcome(plain, ADMIN, false);
  await open(plain, "/admin/api-tokens", false);
  const row = plain.getByRole("row", { name: /ShelterSoft feed/ });
  await expect(row).toContainText("PRJ-2016 Veterans Bridge Emergency Housing");
  await expect(row).not.toContainText("never");
  await row.getByRole("button", { name: "Revoke ShelterSoft feed" }).click();
  await expect(plain.getByRole("status")).toContainText("Revoked the token");
  await expect(plain.getByRole("row", { name: /ShelterSoft feed/ })).toContainText("Revoked");
  await context.close();
  const refused = await request.get("/api/v1/projects", { headers: auth });
  expect(refused.status()).toBe(401);
  expect(refused.headers()["content-type"]).toBe("application/problem+json");
});
