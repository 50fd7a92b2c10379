/**
 * How the browser tests find Chromium: `CHROMIUM_PATH` overrides Debian's path, and a missing
 * browser is one line naming the package to install and the variable.
 */
import { describe, expect, it } from 'vitest';
import { chromiumPath, DEBIAN_CHROMIUM, missingChromium } from '../support/chromium.ts';

describe('chromiumPath and missingChromium', () => {
  it("uses Debian's chromium unless CHROMIUM_PATH names another", () => {
    expect(chromiumPath({})).toBe(DEBIAN_CHROMIUM);
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
    expect(missingChromium({ CHROMIUM_PATH: '/opt/chrome/chrome' }, (p) => p === '/opt/chrome/chrome')).toBe(
      undefined,
    );
  });

  it('says in one line which package to install and which variable to set', () => {
    const none = () => false;
    expect(missingChromium({}, none)).toBe(
      "no Chromium at /usr/bin/chromium: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH to the browser's executable",
    );
    const wrong = missingChromium({ CHROMIUM_PATH: '/nowhere/chromium' }, none)!;
    expect(wrong).toMatch(
      /^CHROMIUM_PATH=\/nowhere\/chromium names no file: install Debian's chromium package/,
    );
    expect(wrong).not.toContain('\n');
  });
});
