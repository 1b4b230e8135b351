import { test, expect, type Page, type Browser } from "@playwright/test";
import { execSync } from "node:child_process";
import { readdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, failOnScriptErrors, open, signInToWelcome } from "./support";

// The vendor simulator that serve-fresh.sh runs one port up, with its published demo credentials.
const SIMULATOR = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3107) + 1}`;
const VENDORS = "/admin/hmis-export/vendors";

type Receipt = { kind: string; key: string; test: boolean };

async function receipts(): Promise<Receipt[]> {
  return (await (await fetch(`${SIMULATOR}/_sim`)).json()).recent;
}

async function noSeriousViolations(page: Page) {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/** Fill the add-a-vendor form for a ClientTrack vendor on the simulator. */
async function fillClientTrack(page: Page, name: string, url: string) {
  const form = page.getByRole("region", { name: "Add a vendor" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Kind").selectOption("clienttrack");
  await form.getByLabel("Production endpoint").fill(url);
  await form.getByLabel("Subscription key").fill("demo-subscription-key");
  await form.getByLabel("API key").fill("demo-api-key");
  await form.getByLabel("OrgId (ClientTrack, optional)").fill("DEMO-ORG");
  await form.getByLabel("Support contacts").fill("Eccovia Support; support@eccovia.example; +1 801 555 0100");
}

test("admin adds a ClientTrack vendor, tests the connection, pushes a test and goes live", async ({ page }) => {
  failOnScriptErrors(page);
  const healthy = await fetch(`${SIMULATOR}/_sim/mode`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ failure_rate: 0, delay_ms: 0 }),
  });
  expect(healthy.ok).toBe(true);
  const name = "ClientTrack (journey)";
  await signInToWelcome(page, ADMIN);
  await open(page, "/admin/hmis-export", true);
  await page.getByRole("link", { name: /^Vendor settings/ }).click();
  await expect(page.getByRole("heading", { name: "HMIS vendors", level: 1 })).toBeVisible();
  await noSeriousViolations(page);

  await fillClientTrack(page, name, `${SIMULATOR}/clienttrack/inventory`);
  await page.getByRole("button", { name: "Add vendor" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Mode: Test" })).toBeVisible();
  await expect(page.locator("body")).not.toContainText("demo-api-key");
  await expect(page.getByLabel("API key")).toHaveValue("");
  await expect(page.getByRole("region", { name: "Support contacts" })).toContainText("Eccovia Support");
  await noSeriousViolations(page);

  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/^Connection test passed: reachable; the credentials were accepted/)).toBeVisible();

  // A test push from the HMIS Export tab: delivered, and the simulator saw it marked as a test.
  await open(page, "/admin/hmis-export", true);
  await page.getByRole("button", { name: `Test push to ${name}` }).click();
  await expect(page.getByText(new RegExp(`Queued a push of \\d+ inventory records to ${name.replace(/[()]/g, "\\$&")} \\(test\\)`))).toBeVisible();
  const row = page.getByRole("table", { name: "Vendors" }).getByRole("row").filter({ hasText: name });
  await expect(async () => {
    await page.reload();
    await expect(row).not.toContainText("never", { timeout: 1_000 });
  }).toPass({ timeout: 45_000, intervals: [500, 1_000] });
  const got = (await receipts()).filter((r) => r.kind === "clienttrack");
  expect(got.at(-1)?.test).toBe(true);

  // Go live: the confirmation shows the last successful test push.
  await row.getByRole("link", { name }).click();
  await page.getByRole("link", { name: "Switch to live…" }).click();
  await expect(page.getByText(/^The last successful test push reached it at \d{4}-\d{2}-\d{2}/)).toBeVisible();
  await page.getByRole("button", { name: "Confirm: go live" }).click();
  await expect(page.getByRole("heading", { name: "Mode: Live" })).toBeVisible();
  await expect(page.getByRole("table", { name: "History" })).toContainText("Test → Live");
});

async function withoutJavaScript(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInToWelcome(page, ADMIN, false);
  return { context, page };
}

test("the vendor form works without JavaScript, and a mistake names the field", async ({ browser }) => {
  const { context, page } = await withoutJavaScript(browser);
  await open(page, VENDORS, false);

  // A mistake: the page comes back with what to fix; nothing is added.
  await fillClientTrack(page, "No-JS ClientTrack", "http://api.clienttrack.example/inventory");
  await page.getByRole("button", { name: "Add vendor" }).click();
  await expect(page.getByRole("alert")).toContainText("Production endpoint: must use https");
  await expect(page.getByRole("table", { name: "Vendors" })).not.toContainText("No-JS ClientTrack");

  await fillClientTrack(page, "No-JS ClientTrack", `${SIMULATOR}/clienttrack/inventory`);
  await page.getByRole("button", { name: "Add vendor" }).click();
  await expect(page.getByRole("heading", { name: "No-JS ClientTrack", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/Connection test passed/)).toBeVisible();
  await page.getByRole("button", { name: "Switch off (cancels what waits)" }).click();
  await expect(page.getByRole("heading", { name: "Mode: Off" })).toBeVisible();
  await page.getByRole("button", { name: "Delete this vendor" }).click();
  await expect(page.getByRole("heading", { name: "HMIS vendors", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Vendors" })).not.toContainText("No-JS ClientTrack");
  await context.close();
});

test("admin adds a WellSky SFTP vendor, confirms the host key fingerprint, pushes and sees the file", async ({ page }) => {
  failOnScriptErrors(page);
  const port = Number(process.env.E2E_PORT ?? 3107) + 2;
  // The fingerprint as OpenSSH's own tools see it: what the vendor would tell the admin.
  const fingerprint = execSync(`ssh-keyscan -t ed25519 -p ${port} 127.0.0.1 2>/dev/null | ssh-keygen -lf -`)
    .toString()
    .split(" ")[1];
  expect(fingerprint).toMatch(/^SHA256:/);
  const name = "WellSky (journey)";
  await signInToWelcome(page, ADMIN);
  await open(page, VENDORS, true);
  const form = page.getByRole("region", { name: "Add a vendor" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Kind").selectOption("wellsky");
  await form.getByLabel("Production endpoint").fill(`sftp://hmis-sftp@127.0.0.1:${port}/upload`);
  await form.getByLabel("Password", { exact: true }).fill("hmis-sftp-test-password");
  await page.getByRole("button", { name: "Add vendor" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const hostKey = page.getByRole("region", { name: "SFTP host key" });
  await expect(hostKey).toContainText("Not pinned yet");

  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/^Connection test passed: reachable over SSH/)).toBeVisible();
  await expect(hostKey.locator("code.fingerprint")).toHaveText(fingerprint);
  await noSeriousViolations(page);

  await open(page, "/admin/hmis-export", true);
  await page.getByRole("button", { name: `Test push to ${name}` }).click();
  const row = page.getByRole("table", { name: "Vendors" }).getByRole("row").filter({ hasText: name });
  await expect(async () => {
    await page.reload();
    await expect(row).not.toContainText("never", { timeout: 1_000 });
  }).toPass({ timeout: 45_000, intervals: [500, 1_000] });
  const files = readdirSync(`/srv/hmis-e2e-sftp-${port}/chroot/upload`);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^hmis-TX-503-\d{8}-manual-.*-TEST\.zip$/);
});
