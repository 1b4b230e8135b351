import { test, expect, type Browser } from "@playwright/test";
import { NIGHTDESK, failOnScriptErrors, signInToWelcome } from "./support";

async function openShelters(browser: Browser, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  failOnScriptErrors(page);
  await signInToWelcome(page, NIGHTDESK, javaScriptEnabled);
  await page.getByRole("link", { name: "My shelters" }).first().click();
  await expect(page.getByRole("heading", { name: "My shelters" })).toBeVisible();
  return { context, page };
}

async function journey(browser: Browser, javaScriptEnabled: boolean, shelterName: string) {
  const { context, page } = await openShelters(browser, javaScriptEnabled);
  const card = page.getByRole("region", { name: shelterName });
  const total = card.getByLabel("Beds total");
  const occupied = card.getByLabel("Beds occupied");

  // Bad input: the error names the field and the allowed range.
  await occupied.fill("lots");
  await card.getByRole("button", { name: "Save counts" }).click();
  await expect(card.getByRole("alert")).toContainText("Beds occupied (Households without children)");
  await expect(card.getByRole("alert")).toContainText("from 0 to 100000");

  // A good update is saved and shown with who and when.
  await page.getByRole("region", { name: shelterName }).getByLabel("Beds occupied").fill("33");
  await page.getByRole("region", { name: shelterName }).getByRole("button", { name: "Save counts" }).click();
  await expect(page.getByRole("region", { name: shelterName }).getByRole("status")).toContainText("Saved the counts");
  await expect(page.getByRole("region", { name: shelterName })).toContainText("updated");
  await expect(page.getByRole("region", { name: shelterName })).toContainText("Sam Okafor");

  // Another session saves first; this page's next submit is a conflict showing the newer values.
  const other = await openShelters(browser, true);
  const otherCard = other.page.getByRole("region", { name: shelterName });
  await otherCard.getByLabel("Beds occupied").fill("35");
  await otherCard.getByRole("button", { name: "Save counts" }).click();
  await expect(otherCard.getByRole("status")).toContainText("Saved the counts");
  await other.context.close();

  // This page still holds the version it loaded, so its next submit must conflict.
  await page.getByRole("region", { name: shelterName }).getByLabel("Beds occupied").fill("30");
  await page.getByRole("region", { name: shelterName }).getByRole("button", { name: "Save counts" }).click();
  const alert = page.getByRole("region", { name: shelterName }).getByRole("alert");
  await expect(alert).toContainText("Someone saved newer counts");
  await expect(alert).toContainText("35 occupied");
  await expect(page.getByRole("region", { name: shelterName }).getByLabel("Beds occupied")).toHaveValue("35");
  await context.close();
}

test("coordinator updates counts, sees a field error and a conflict (JavaScript on)", async ({ browser }) => {
  await journey(browser, true, "Congress Avenue Night Shelter");
});

test("coordinator updates counts, sees a field error and a conflict (JavaScript off)", async ({ browser }) => {
  await journey(browser, false, "Eastside Winter Overflow");
});
