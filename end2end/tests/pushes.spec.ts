import { test, expect, type Page, type Locator } from "@playwright/test";
import { ADMIN, failOnScriptErrors, open, signInToWelcome } from "./support";

// The demo vendor sends to the vendor simulator that serve-fresh.sh runs one port up; the
// server's worker delivers in the background, with retries a second apart.
const SIMULATOR = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3107) + 1}`;
const VENDOR = "Bitfocus Clarity (simulator)";

type Stats = { accepted: number; distinct_keys: number; repeats: number; conflicts: number; failed: number };

async function simulator(failureRate: number) {
  const res = await fetch(`${SIMULATOR}/_sim/mode`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ failure_rate: failureRate, delay_ms: 0 }),
  });
  expect(res.ok).toBe(true);
}

async function stats(): Promise<Stats> {
  return (await fetch(`${SIMULATOR}/_sim`)).json();
}

/** Reload until `check` passes: the page shows what the worker has done by then. */
async function reloadUntil(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 45_000, intervals: [500, 1_000] });
}

test("push now, a failing vendor's dead letter with its errors, and a retry after it recovers", async ({ page }) => {
  failOnScriptErrors(page);
  await simulator(0);
  const before = await stats();
  await signInToWelcome(page, ADMIN);
  await open(page, "/admin/hmis-export", true);

  const vendorRow: Locator = page.getByRole("table", { name: "Vendors" }).getByRole("row").filter({ hasText: VENDOR });
  const history = page.getByRole("region", { name: "Push history" });
  const deadLetters = page.getByRole("region", { name: "Dead letters" });
  await expect(vendorRow).toContainText("Live");
  await expect(vendorRow).toContainText("Closed");

  // 1. Push now: delivered, and the history shows it with the SHA-256 of the bytes sent.
  await page.getByRole("button", { name: `Push now to ${VENDOR}` }).click();
  await expect(page.getByText(/Queued a push of \d+ inventory records/)).toBeVisible();
  await reloadUntil(page, async () => {
    await expect(history.locator("tbody tr").first()).toContainText("delivered", { timeout: 1_000 });
  });
  await expect(history.locator("tbody tr").first()).toContainText(VENDOR);
  await expect(history.locator("code.sha").first()).toHaveText(/^[0-9a-f]{64}$/);
  await expect(vendorRow).not.toContainText("never");
  expect((await stats()).accepted - before.accepted).toBe(1);

  // 2. The vendor goes down: three attempts fail, then a dead letter with each attempt's error.
  await simulator(1);
  await page.getByRole("button", { name: `Push now to ${VENDOR}` }).click();
  await expect(page.getByText(/Queued a push of/)).toBeVisible();
  await reloadUntil(page, async () => {
    await expect(deadLetters).toContainText("3 attempts", { timeout: 1_000 });
  });
  const letter = deadLetters.getByRole("listitem").filter({ hasText: "3 attempts" });
  await expect(letter.locator("ol > li")).toHaveCount(3);
  await expect(letter.locator("ol > li").last()).toContainText("HTTP 503: simulated outage (gave up after 3 attempts)");
  await expect(vendorRow).toContainText("simulated outage");
  await expect(history.locator("tbody tr").first()).toContainText("transient");
  expect((await stats()).failed - before.failed).toBe(3);

  // 3. It recovers; Retry gives the dead letter one more attempt, and it is delivered.
  await simulator(0);
  await letter.getByRole("button", { name: /^Retry the delivery to / }).click();
  await expect(page.getByText("Queued the delivery for one more attempt.")).toBeVisible();
  await reloadUntil(page, async () => {
    await expect(deadLetters).toContainText("No failed deliveries.", { timeout: 1_000 });
  });
  await expect(history.locator("tbody tr").first()).toContainText("delivered");
  await expect(history.locator("tbody tr").first().locator("td").nth(2)).toHaveText("4"); // its fourth attempt
  const after = await stats();
  expect(after.accepted - before.accepted).toBe(2);
  expect(after.distinct_keys - before.distinct_keys).toBe(2);
  expect(after.repeats - before.repeats).toBe(0);
});
