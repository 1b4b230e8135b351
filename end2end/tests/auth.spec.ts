import { test, expect, type Page, type Browser } from "@playwright/test";
import { ADMIN, failOnScriptErrors, hydrated, signIn } from "./support";

/** Fails the test on any script error, and records how each server function was called. */
function watch(page: Page, calls: string[]) {
  failOnScriptErrors(page);
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
  await signIn(admin, ADMIN, javaScriptEnabled);
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
  await signIn(coordinator, { email, password: oneTime }, javaScriptEnabled);
  // A one-time password must be replaced first.
  await expect(coordinator.getByRole("heading", { name: "Change password" })).toBeVisible();
  await coordinator.getByLabel("Current password").fill(oneTime);
  await coordinator.getByLabel("New password", { exact: true }).fill("night shift beds 24");
  await coordinator.getByLabel("Confirm new password").fill("night shift beds 24");
  await coordinator.getByRole("button", { name: "Change password" }).click();
  await expect(coordinator.getByRole("status")).toContainText("Your password was changed");
  await coordinator.goto("/");
  await expect(coordinator.getByRole("heading", { name: `Welcome, Night Desk ${tag}` })).toBeVisible();
  if (javaScriptEnabled) await hydrated(coordinator);
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
  failOnScriptErrors(page);
  await signIn(page, { email: ADMIN.email, password: "wrong password here" });
  await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
});
