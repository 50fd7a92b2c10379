/**
 * Check reports as JUnit XML, for CI test views: one `<testsuite>` per topology, one
 * `<testcase>` per property, a `<failure>` carrying the text report's counterexample (headline,
 * violations, replay command, trace, hints) for a property that does not hold, or that differs
 * from what a catalog manifest expects. A design that does not boot is one failing `boot`
 * testcase. Pure: reports in, XML out; without timing no `time` attribute is written.
 */
import type { CheckReport, PropertyResult } from '../check/report.ts';
import { propertyFailureText, unbootableText } from './text.ts';

export interface JunitSuite {
  readonly report: CheckReport;
  /** The status the catalog manifest expects of each property; without it, every property must hold. */
  readonly expected?: Readonly<Record<string, string>>;
  /** The verdict the catalog manifest expects, when it gives one (`unbootable`). */
  readonly expectedVerdict?: string;
}

export interface JunitOptions {
  readonly timing?: boolean;
}

/** Text as XML character data or attribute value: markup escaped, characters XML 1.0 forbids dropped. */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids
      .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function attributes(values: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

interface Case {
  readonly name: string;
  /** The failure's one-line message and its text, when the case fails. */
  readonly failure?: { readonly message: string; readonly type: string; readonly text: string };
}

function propertyCase(suite: JunitSuite, property: PropertyResult, timing: boolean): Case {
  const expected = suite.expected?.[property.name] ?? 'holds';
  if (property.status === expected) return { name: property.name };
  const headline =
    property.status === 'violated'
      ? `violated after ${property.counterexample?.steps.length ?? 0} steps`
      : property.status === 'holds'
        ? 'holds'
        : property.status === 'vacuous'
          ? 'vacuous'
          : 'not reproduced';
  const message = suite.expected === undefined ? headline : `${headline} (expected ${expected})`;
  const text = propertyFailureText(suite.report, property, { timing });
  return { name: property.name, failure: { message, type: property.status, text } };
}

function casesOf(suite: JunitSuite, timing: boolean): Case[] {
  const { report } = suite;
  if (report.unbootable) {
    if (suite.expectedVerdict === 'unbootable') return [{ name: 'boot' }];
    return [
      {
        name: 'boot',
        failure: {
          message: report.unbootable.message,
          type: 'unbootable',
          text: unbootableText(report, report.unbootable),
        },
      },
    ];
  }
  return report.properties.map((property) => propertyCase(suite, property, timing));
}

function caseXml(report: CheckReport, testCase: Case): string[] {
  const open = `    <testcase${attributes({ name: testCase.name, classname: report.topology })}`;
  if (testCase.failure === undefined) return [`${open}/>`];
  const { message, type, text } = testCase.failure;
  return [
    `${open}>`,
    `      <failure${attributes({ message, type })}>${escapeXml(text)}</failure>`,
    '    </testcase>',
  ];
}

/** The reports as one JUnit XML document, ending in a newline. */
export function renderJunit(suites: readonly JunitSuite[], options: JunitOptions = {}): string {
  const timing = options.timing ?? true;
  const seconds = (ms: number) => (timing ? (ms / 1000).toFixed(3) : undefined);
  const all = suites.map((suite) => ({ suite, cases: casesOf(suite, timing) }));
  const count = (cases: readonly Case[]) => ({
    tests: cases.length,
    failures: cases.filter((each) => each.failure !== undefined).length,
    errors: 0,
  });
  const everyCase = all.flatMap(({ cases }) => cases);
  const totalMs = suites.reduce((sum, { report }) => sum + report.statistics.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'protmem', ...count(everyCase), time: seconds(totalMs) })}>`,
  ];
  for (const { suite, cases } of all) {
    const { report } = suite;
    lines.push(
      `  <testsuite${attributes({ name: report.topology, ...count(cases), skipped: 0, time: seconds(report.statistics.durationMs) })}>`,
      '    <properties>',
      `      <property${attributes({ name: 'file', value: report.file })}/>`,
      `      <property${attributes({ name: 'verdict', value: report.verdict })}/>`,
      `      <property${attributes({ name: 'mode', value: report.mode })}/>`,
      `      <property${attributes({ name: 'seed', value: report.seed })}/>`,
      '    </properties>',
      ...cases.flatMap((testCase) => caseXml(report, testCase)),
      '  </testsuite>',
    );
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
