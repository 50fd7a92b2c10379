#!/usr/bin/env node
// In a checkout, runs the TypeScript sources (tsx compiles them as they load, so no build step
// and never a stale build); an installed package has no sources and runs its compiled dist/.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/src/cli/main.js');
}
