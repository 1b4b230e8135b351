// A CoC admin keeps the CoC's settings: the time zone every date follows and the export's source,
// with and without JavaScript; and records a shelter's funding sources. Axe finds no serious issue.
import { test, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, failOnScriptErrors, open, signInToWelcome } from "./support";

async function noSeriousAxeIssue(page: Page) {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

async function saveZone(page: Page, zone: string) {
  await page.getByRole("combobox", { name: "Time zone" }).fill(zone);
  await page.getByRole("button", { name: "Save", exact: true }).click();
}

test("an admin sets the CoC's time zone and export source, and the tab follows", async ({ page }) => {
  failOnScriptErrors(page);
  await signInToWelcome(page, ADMIN);
  await page.getByRole("link", { name: "Settings" }).first().click();
  await expect(page.getByRole("heading", { name: "CoC settings", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "DV aggregate" })).toBeVisible();
  await noSeriousAxeIssue(page);

  await page.getByLabel("Source name").fill("Capital Area CoC Bed Registry");
  await saveZone(page, "America/Denver");
  await expect(page.getByRole("status")).toContainText("America/Denver");
  await open(page, "/admin/hmis-export", true);
  await expect(page.getByText("Dates and times are in the CoC's time zone, America/Denver.")).toBeVisible();

  // Back as it was, for the other journeys.
  await open(page, "/admin/settings", true);
  await saveZone(page, "America/Chicago");
  await expect(page.getByRole("status")).toContainText("America/Chicago");
});

test("a bad phone number is named without JavaScript, and nothing is saved", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInToWelcome(page, ADMIN, false);
  await open(page, "/admin/settings", false);
  await page.getByLabel("Contact phone").fill("555-0100");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("Phone: enter a 10-digit US number");
  await open(page, "/admin/settings", false);
  await expect(page.getByLabel("Contact phone")).toHaveValue("");
  await context.close();
});

test("an admin records a shelter's funding source", async ({ page }) => {
  failOnScriptErrors(page);
  await signInToWelcome(page, ADMIN);
  await open(page, "/admin/shelters", true);
  await page.getByRole("link", { name: "Riverbend Host Homes" }).click();
  await expect(page.getByRole("heading", { name: "Funding sources (HMIS 2.06)" })).toBeVisible();
  await page.getByLabel("Funder", { exact: true }).selectOption({ label: "HUD: CoC – Transitional Housing (5)" });
  await page.getByLabel("Grant ID").fill("TX0999L6E031");
  await page.getByLabel("Funding start date").fill("2025-10-01");
  await page.getByRole("button", { name: "Add funder" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Added the funder" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "TX0999L6E031" })).toBeVisible();
  await noSeriousAxeIssue(page);
});
