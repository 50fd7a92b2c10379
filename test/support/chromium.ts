/**
 * The browser the browser tests drive through playwright-core: `CHROMIUM_PATH` when set, else
 * Debian's `/usr/bin/chromium`. Chromium is not optional: without it the tests fail, with one
 * line naming the Debian package and the variable.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where Chromium is looked for. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || DEBIAN_CHROMIUM;
}

/** Why there is no browser to run, in one line, or undefined when there is one. */
export function missingChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists = existsSync,
): string | undefined {
  const path = chromiumPath(env);
  if (exists(path)) return undefined;
  const where = env.CHROMIUM_PATH ? `CHROMIUM_PATH=${path} names no file` : `no Chromium at ${path}`;
  return `${where}: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH to the browser's executable`;
}

/** Launches Chromium headless, or throws the one line saying how to get it. */
export async function launchChromium(): Promise<Browser> {
  const missing = missingChromium();
  if (missing !== undefined) throw new Error(missing);
  return chromium.launch({ executablePath: chromiumPath(), args: FLAGS });
}
