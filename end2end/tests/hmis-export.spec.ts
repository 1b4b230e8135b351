import { test, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { readFileSync } from "node:fs";
import { ADMIN, failOnScriptErrors, signInToWelcome } from "./support";

async function openExportTab(page: Page, javaScriptEnabled = true) {
  failOnScriptErrors(page);
  await signInToWelcome(page, ADMIN, javaScriptEnabled);
  await page.getByRole("link", { name: "HMIS Export" }).first().click();
  await expect(page.getByRole("heading", { name: "HMIS Export", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Preview: the rows that will be sent" })).toBeVisible();
}

async function filterDvOnly(page: Page) {
  await page.getByRole("radio", { name: "DV only" }).check();
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/rows=dv/);
  await expect(page.getByRole("status").filter({ hasText: "shown" })).toContainText("1 row matches");
  const rows = page.getByRole("region", { name: "Preview: the rows that will be sent" }).locator("table tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("DV shelters (aggregated)");
  await expect(rows.first()).toContainText("DV aggregate of 3 shelters");
  await expect(rows.first()).not.toContainText("SafeHarbor");
  await expect(page.getByRole("radio", { name: "DV only" })).toBeChecked();
}

test("admin previews the DV aggregate and downloads the HMIS CSV zip", async ({ page }) => {
  await openExportTab(page);
  await expect(page.getByRole("region", { name: "Overview" })).toContainText("TX-503");
  await expect(page.getByRole("region", { name: "DV privacy" })).toContainText("70 beds are suppressed");
  await expect(page.getByRole("status").filter({ hasText: "shown" })).toContainText("17 rows match");

  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);

  await filterDvOnly(page);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download HMIS CSV (zip)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^hmis-csv-capital-area-\d{8}-\d{6}\.zip$/);
  const bytes = readFileSync(await download.path());
  expect(bytes.subarray(0, 2).toString()).toBe("PK");
  for (const file of ["Export.csv", "Organization.csv", "User.csv", "Project.csv", "Funder.csv", "ProjectCoC.csv", "Inventory.csv", "Affiliation.csv", "HMISParticipation.csv", "CEParticipation.csv"]) {
    expect(bytes.includes(Buffer.from(file)), file).toBe(true);
  }
});

test("the preview filters work without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await openExportTab(page, false);
  await filterDvOnly(page);
  await page.getByLabel("Household type").selectOption({ label: "Households with only children" });
  await page.getByRole("radio", { name: "Non-DV" }).check();
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("status").filter({ hasText: "shown" })).toContainText("2 rows match");
  await context.close();
});
