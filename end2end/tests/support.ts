// What every journey shares: the demo logins, signing in, failing on script errors, and the proof
// that a JavaScript-on page was hydrated by the wasm (not merely working as a plain form).
import { expect, type Page } from "@playwright/test";

export type Login = { email: string; password: string };

export const ADMIN: Login = { email: "admin@capital-coc.example", password: "demo-admin-2026" };
export const INTAKE: Login = { email: "intake@capital-coc.example", password: "demo-intake-2026" };
export const NIGHTDESK: Login = { email: "nightdesk@capital-coc.example", password: "demo-nightdesk-2026" };

/** Fails the test on any uncaught script error of `page`. */
export function failOnScriptErrors(page: Page) {
  page.on("pageerror", (err) => {
    throw new Error(`script error on ${page.url()}: ${err.message}`);
  });
}

/**
 * Waits until the wasm has hydrated the current document: `frontend/src/lib.rs` sets
 * `<html data-hydrated="true">` once hydrating returned without a panic, so a page whose wasm
 * failed to load or to hydrate never gets it. (A later panic sets "failed" and is a script error.)
 */
export async function hydrated(page: Page) {
  await expect(page.locator(`html[data-hydrated="true"]`), `${page.url()} was hydrated`).toBeAttached({ timeout: 20_000 });
}

/** Opens `path`; with JavaScript on, returns once the page is hydrated. */
export async function open(page: Page, path: string, javaScriptEnabled: boolean) {
  await page.goto(path);
  if (javaScriptEnabled) await hydrated(page);
}

/**
 * Signs in from the login page and waits for the welcome. With JavaScript on, the form is filled
 * only once the page is hydrated, so the wasm sends it (as a fetch), and the page after is too.
 */
export async function signIn(page: Page, who: Login, javaScriptEnabled = true) {
  await open(page, "/login", javaScriptEnabled);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** `signIn`, then the welcome page. */
export async function signInToWelcome(page: Page, who: Login, javaScriptEnabled = true) {
  await signIn(page, who, javaScriptEnabled);
  await expect(page.getByRole("heading", { name: /^Welcome/ })).toBeVisible();
  if (javaScriptEnabled) await hydrated(page);
}
