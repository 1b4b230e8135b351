import { test, expect, type Browser, type Page } from "@playwright/test";
import { INTAKE, failOnScriptErrors, open, signInToWelcome } from "./support";

// An admin without DV access (DESIGN.md 4.1): no page, search or filter shows a DV shelter's
// name or ProjectID, a victim service provider, or a count that includes them.

/** What the demo's DV shelters and their provider would show if they leaked. */
const DV_TRACES = [
  "SafeHarbor",
  "Hope Street Women",
  "PRJ-2007",
  "PRJ-2008",
  "PRJ-2009",
  "PRJ-2010",
  "ORG-103",
];

/** The page's text and markup (hidden fields and links included) hold no DV trace. */
async function expectNoDvTrace(page: Page, where: string) {
  const html = await page.content();
  for (const trace of DV_TRACES) {
    expect(html, `${where} shows "${trace}"`).not.toContain(trace);
  }
}

async function walk(browser: Browser, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  failOnScriptErrors(page);
  await signInToWelcome(page, INTAKE, javaScriptEnabled);
  await expectNoDvTrace(page, "home");

  // The shelter list, its searches, and the count it states.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Shelters" }).click();
  await expect(page.getByRole("heading", { name: "Shelters", level: 1 })).toBeVisible();
  await expectNoDvTrace(page, "shelter list");
  const rows = page.locator("table tbody tr");
  const shown = await rows.count();
  await expect(page.getByText(new RegExp(`\\b${shown} shelters?\\b`)).first()).toBeVisible();
  for (const query of ["Safe", "PRJ-20", "Hope Street", "women"]) {
    await page.getByRole("searchbox").fill(query);
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(query).replace("%20", "(\\+|%20)")}`));
    await expectNoDvTrace(page, `search "${query}"`);
  }

  // Every shelter page the admin can open, and its history.
  await open(page, "/admin/shelters", javaScriptEnabled);
  const links = await page.locator("table tbody tr a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
  expect(links.length).toBeGreaterThan(0);
  for (const path of links.slice(0, 4)) {
    await open(page, path, javaScriptEnabled);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoDvTrace(page, path);
  }
  await open(page, "/admin/shelters/new", javaScriptEnabled);
  await expectNoDvTrace(page, "new shelter form (organization choices)");

  await open(page, "/admin/organizations", javaScriptEnabled);
  await expect(page.getByRole("heading", { name: "Organizations", level: 1 })).toBeVisible();
  await expectNoDvTrace(page, "organizations");

  // The HMIS Export tab, with each filter: the aggregate is there as vendors get it, nothing more.
  for (const query of ["", "?rows=dv", "?rows=non-dv", "?rows=dv&household=3", "?rows=all&household=1"]) {
    await open(page, `/admin/hmis-export${query}`, javaScriptEnabled);
    await expect(page.getByRole("heading", { name: "Preview: the rows that will be sent" })).toBeVisible();
    await expectNoDvTrace(page, `HMIS Export${query}`);
  }
  await open(page, "/admin/hmis-export?rows=dv", javaScriptEnabled);
  const aggregate = page.locator("table tbody tr.dv-row");
  await expect(aggregate).toHaveCount(1);
  await expect(aggregate).toContainText("DV aggregate");
  await expect(aggregate).not.toContainText(/aggregate of \d+ shelters/);
  await expect(aggregate.locator("td").nth(4)).toHaveText("—");
  await expect(page.getByRole("region", { name: "DV privacy" })).toHaveCount(0);

  await open(page, "/admin/users", javaScriptEnabled);
  await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  await expectNoDvTrace(page, "users");
  await expect(page.getByRole("heading", { name: "Changes to access and DV status" })).toHaveCount(0);
  // Only an admin with DV access is offered to grant it.
  await expect(page.getByRole("checkbox", { name: /DV access/ })).toHaveCount(0);
  await context.close();
}

test("an admin without DV access finds no DV shelter anywhere, with JavaScript", async ({ browser }) => {
  await walk(browser, true);
});

test("an admin without DV access finds no DV shelter anywhere, without JavaScript", async ({ browser }) => {
  await walk(browser, false);
});
