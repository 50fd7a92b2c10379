/**
 * The JUnit reporter on fixed reports: a well-formed document (read back with a minimal XML
 * reader), a testsuite per topology and a testcase per property, failures carrying the
 * counterexample text, catalog expectations, escaping, and no times without timing.
 */
import { describe, expect, it } from 'vitest';
import { escapeXml, renderJunit } from '../../src/render/junit.ts';
import { PASSING, UNBOOTABLE, VIOLATED } from '../support/reportFixtures.ts';
import { parseXml, type XmlElement } from '../support/xml.ts';

const cases = (suite: XmlElement) => suite.children.filter((child) => child.name === 'testcase');

describe('renderJunit', () => {
  it('writes one testsuite per topology and one testcase per property', () => {
    const root = parseXml(renderJunit([{ report: VIOLATED }, { report: PASSING }]));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '4', failures: '2', errors: '0', time: '1.750' });
    const suites = root.children.filter((child) => child.name === 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual([VIOLATED.topology, 'sound']);
    expect(cases(suites[0]!).map((each) => each.attributes.name)).toEqual([
      'plaintextNeverReachesUntrusted',
      'pipelineReachable',
      'scrubBeforeReuse',
    ]);
    expect(suites[0]!.attributes).toMatchObject({ tests: '3', failures: '2', time: '1.500' });
    expect(cases(suites[1]!)[0]!.children).toEqual([]);
  });

  it('puts the counterexample in the failure, with its replay command, unescaped once read', () => {
    const root = parseXml(renderJunit([{ report: VIOLATED }]));
    const [leak, vacuous] = cases(root.children[0]!);
    const failure = leak!.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attributes).toEqual({ message: 'violated after 2 steps', type: 'violated' });
    expect(failure.text).toContain('✖ plaintextNeverReachesUntrusted violated after 2 steps');
    expect(failure.text).toContain('host lends buffer <frame> to "secure"');
    expect(failure.text).toContain(
      "npx protmem check 'topologies/lend & share.yaml' --replay pm1.eyJ0IjoibGVuZCJ9",
    );
    expect(vacuous!.children[0]!.attributes).toEqual({ message: 'vacuous', type: 'vacuous' });
    expect(vacuous!.children[0]!.text).toBe('pipelineReachable vacuous: no frame is ever displayed');
    expect(leak!.attributes.classname).toBe('lend<&>"share"');
  });

  it('fails a case only where a catalog manifest expects another status', () => {
    const expected = {
      plaintextNeverReachesUntrusted: 'violated',
      pipelineReachable: 'holds',
      scrubBeforeReuse: 'holds',
    };
    const root = parseXml(renderJunit([{ report: VIOLATED, expected }]));
    const failing = cases(root.children[0]!).filter((each) => each.children.length > 0);
    expect(failing.map((each) => each.attributes.name)).toEqual(['pipelineReachable']);
    expect(failing[0]!.children[0]!.attributes.message).toBe('vacuous (expected holds)');
  });

  it('reports a design that does not boot as a failing boot case, passing when the manifest expects it', () => {
    const unexpected = parseXml(renderJunit([{ report: UNBOOTABLE }]));
    const boot = cases(unexpected.children[0]!);
    expect(boot.map((each) => each.attributes.name)).toEqual(['boot']);
    expect(boot[0]!.children[0]!.attributes.type).toBe('unbootable');
    expect(boot[0]!.children[0]!.text).toContain('refused by page carveout:0');
    const expected = parseXml(
      renderJunit([{ report: UNBOOTABLE, expected: {}, expectedVerdict: 'unbootable' }]),
    );
    expect(expected.attributes.failures).toBe('0');
  });

  it('leaves times out without timing, so the document is the same on every run', () => {
    const untimed = renderJunit([{ report: VIOLATED }], { timing: false });
    expect(untimed).not.toMatch(/\btime="/);
    expect(untimed).not.toContain('12 ms into the search');
    expect(
      renderJunit([{ report: { ...VIOLATED, statistics: { ...VIOLATED.statistics, durationMs: 9 } } }], {
        timing: false,
      }),
    ).toBe(untimed);
  });
});

describe('escapeXml', () => {
  it('escapes markup and drops the characters XML cannot hold', () => {
    expect(escapeXml(`<a b="c" d='e'> & \u0001\u0008ok\ud800`)).toBe(
      '&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt; &amp; ok',
    );
    expect(escapeXml('tab\tand\nnewline 😀')).toBe('tab\tand\nnewline 😀');
  });
});
