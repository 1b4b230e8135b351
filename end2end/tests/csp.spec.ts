import { test, expect, type Page } from "@playwright/test";
import { ADMIN } from "./support";

/** Records every script error, console error and CSP violation of `page`. */
async function watch(page: Page) {
  const problems: string[] = [];
  const calls: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`script error on ${page.url()}: ${err.message}`));
  page.on("request", (req) => {
    if (req.method() === "POST" && req.url().includes("/api/")) {
      calls.push(`${new URL(req.url()).pathname} ${req.isNavigationRequest() ? "form" : "fetch"}`);
    }
  });
  await page.addInitScript(() => {
    const w = window as any;
    w.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return { problems, calls };
}

/**
 * Wait for the wasm to hydrate the page (the app's `<html data-hydrated>`, as `support.ts`); if it
 * does not, say what the browser reported.
 */
async function hydrated(page: Page, problems: string[]) {
  try {
    await page.locator(`html[data-hydrated="true"]`).waitFor({ state: "attached", timeout: 20_000 });
  } catch (err) {
    const seen = [...problems, ...(await violations(page)).map((v) => `CSP violation: ${v}`)];
    throw new Error(`${page.url()} did not hydrate: ${seen.join("\n") || String(err)}`);
  }
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).__cspViolations as string[]);
}

/** Follow a link of the main navigation without reloading the document (the wasm router does it). */
async function navigate(page: Page, link: string, heading: string) {
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
  await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument), `${link}: a client-side navigation`).toBe(true);
}

test("the app hydrates under the CSP: no script error, no CSP violation", async ({ page }) => {
  const { problems, calls } = await watch(page);

  const response = await page.goto("/login");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toContain("'nonce-");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).toContain("frame-ancestors 'none'");
  await hydrated(page, problems);

  // The hydrated sign-in form calls its server function itself.
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Dana Whitfield" })).toBeVisible();
  expect(calls).toContain("/api/login fetch");

  await hydrated(page, problems);
  await navigate(page, "Users", "Users");
  await navigate(page, "Shelters", "Shelters");
  await navigate(page, "HMIS Export", "HMIS Export");
  await navigate(page, "Users", "Users");

  // An action of the hydrated app: its answer (with a one-time password) arrives by fetch.
  const email = `csp-${Date.now()}@capital-coc.example`;
  await page.getByLabel("Name").fill("CSP Check");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role").selectOption("coordinator");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByTestId("one-time-password")).toBeVisible();
  expect(calls).toContain("/api/create_user fetch");

  // A page loaded whole hydrates too.
  await page.goto("/admin/shelters");
  await hydrated(page, problems);
  await navigate(page, "Home", "Welcome, Dana Whitfield");

  expect(await violations(page)).toEqual([]);
  expect(problems).toEqual([]);

  // And the policy is really enforced: an inline script without the nonce does not run.
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__injected = true";
    document.body.appendChild(script);
  });
  await expect.poll(() => violations(page)).toHaveLength(1);
  expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
});

test("without JavaScript, a wrong password's message still shows (an anonymous visitor has no session)", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
  const cookies = (await context.cookies()).map((c) => c.name);
  expect(cookies).not.toContain("hmis_session");
  // Shown once: the message is gone on the next visit.
  await page.goto("/login");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await context.close();
});
