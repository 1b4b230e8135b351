import { defineConfig } from "@playwright/test";
import { execSync } from "node:child_process";

// The Debian Chromium (never a downloaded browser): Playwright 1.64 matches Chromium 156.
const chromium = process.env.CHROMIUM_PATH ?? execSync("command -v chromium").toString().trim();
const port = Number(process.env.E2E_PORT ?? 3107);

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    // A fresh SQLite database with the demo data, on its own port.
    command: `bash ./serve-fresh.sh ${port}`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
