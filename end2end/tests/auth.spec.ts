import { test, expect, type Page, type Browser } from "@playwright/test";

const ADMIN = { email: "admin@capital-coc.example", password: "demo-admin-2026" };

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Fails the test on any script error, and records how each server function was called. */
function watch(page: Page, calls: string[]) {
  page.on("pageerror", (err) => {
    throw new Error(`script error on ${page.url()}: ${err.message}`);
  });
  page.on("request", (req) => {
    if (req.method() === "POST" && req.url().includes("/api/")) {
      calls.push(`${new URL(req.url()).pathname} ${req.isNavigationRequest() ? "form" : "fetch"}`);
    }
  });
}

async function journey(browser: Browser, javaScriptEnabled: boolean, tag: string) {
  const adminContext = await browser.newContext({ javaScriptEnabled });
  const admin = await adminContext.newPage();
  const calls: string[] = [];
  watch(admin, calls);
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin.getByRole("heading", { name: "Welcome, Dana Whitfield" })).toBeVisible();

  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(admin.getByRole("heading", { name: "Users", exact: true })).toBeVisible();

  // A bad email first: the error names the field and nothing is created.
  await admin.getByLabel("Name").fill(`Night Desk ${tag}`);
  await admin.getByLabel("Email").fill(`night-${tag}@invalid`);
  await admin.getByRole("button", { name: "Add user" }).click();
  await expect(admin.getByRole("alert")).toContainText("Email:");

  const email = `night-${tag}@capital-coc.example`;
  await admin.getByLabel("Name").fill(`Night Desk ${tag}`);
  await admin.getByLabel("Email").fill(email);
  await admin.getByLabel("Role").selectOption("coordinator");
  await admin.getByRole("button", { name: "Add user" }).click();
  const secret = admin.getByTestId("one-time-password");
  await expect(secret).toBeVisible();
  const oneTime = (await secret.textContent())!.trim();
  await expect(admin.getByRole("cell", { name: email })).toBeVisible();
  // With JavaScript the hydrated app calls the server function itself; without, the browser posts the form.
  expect(calls).toContain(`/api/create_user ${javaScriptEnabled ? "fetch" : "form"}`);
  await adminContext.close();

  const coordContext = await browser.newContext({ javaScriptEnabled });
  const coordinator = await coordContext.newPage();
  watch(coordinator, []);
  await signIn(coordinator, email, oneTime);
  // A one-time password must be replaced first.
  await expect(coordinator.getByRole("heading", { name: "Change password" })).toBeVisible();
  await coordinator.getByLabel("Current password").fill(oneTime);
  await coordinator.getByLabel("New password", { exact: true }).fill("night shift beds 24");
  await coordinator.getByLabel("Confirm new password").fill("night shift beds 24");
  await coordinator.getByRole("button", { name: "Change password" }).click();
  await expect(coordinator.getByRole("status")).toContainText("Your password was changed");
  await coordinator.goto("/");
  await expect(coordinator.getByRole("heading", { name: `Welcome, Night Desk ${tag}` })).toBeVisible();
  // Coordinators have no Users page.
  await expect(coordinator.getByRole("link", { name: "Users" })).toHaveCount(0);
  await coordContext.close();
}

test("admin creates a coordinator who then signs in (JavaScript on)", async ({ browser }) => {
  await journey(browser, true, "js");
});

test("admin creates a coordinator who then signs in (JavaScript off)", async ({ browser }) => {
  await journey(browser, false, "nojs");
});

test("a wrong password shows one clear message", async ({ page }) => {
  await signIn(page, ADMIN.email, "wrong password here");
  await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
});
