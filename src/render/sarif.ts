/**
 * Check reports as a SARIF 2.1.0 log, for code-scanning views: one run of the `protmem`
 * driver, one rule per property checked (its description the property's "True iff ..."
 * summary), one result per property that does not hold (an error when violated or not
 * reproduced, a warning when vacuous) and per design that does not boot, each located in its
 * topology file at the section it concerns: the `pipeline` for a reachability property, else
 * the `flaws` switched on, else the `streams` whose audience was breached. Pure: reports and
 * section positions in, JSON out.
 */
import type { CheckReport, PropertyResult } from '../check/report.ts';
import type { SourcePosition } from '../topology/sections.ts';
import { propertyFailureText, unbootableText } from './text.ts';

export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** The rule of a design that does not boot. */
export const BOOT_RULE = {
  id: 'designBoots',
  summary: "True iff every boot step of the design is allowed by the platform's own checks.",
  kind: 'wellFormed',
} as const;

export interface SarifInput {
  readonly report: CheckReport;
  /** Where each section of the report's topology file starts, when known. */
  readonly sections?: Readonly<Record<string, SourcePosition>>;
}

export interface SarifOptions {
  /** protmem's version, as the driver's. */
  readonly version: string;
  readonly timing?: boolean;
}

interface Rule {
  readonly id: string;
  readonly summary: string;
  readonly kind: string;
}

/** A file name as a SARIF artifact URI: relative to the source root unless absolute. */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const slashed = file.replace(/\\/g, '/');
  if (/^([A-Za-z]:)?\//.test(slashed)) {
    return { uri: `file://${slashed.startsWith('/') ? '' : '/'}${encodeURI(slashed)}` };
  }
  return { uri: encodeURI(slashed.replace(/^\.\//, '')), uriBaseId: '%SRCROOT%' };
}

/** The section a result points at. */
function sectionFor(property: Rule, sections: Readonly<Record<string, SourcePosition>>): string | undefined {
  const candidates =
    property.id === BOOT_RULE.id
      ? ['memory']
      : property.kind === 'reachability'
        ? ['pipeline']
        : ['flaws', 'streams'];
  return candidates.find((section) => sections[section] !== undefined);
}

function location(input: SarifInput, rule: Rule) {
  const sections = input.sections ?? {};
  const section = sectionFor(rule, sections);
  const position = section === undefined ? undefined : sections[section]!;
  return {
    physicalLocation: {
      artifactLocation: artifactLocation(input.report.file),
      ...(position === undefined
        ? {}
        : { region: { startLine: position.line, startColumn: position.column } }),
    },
    ...(section === undefined ? {} : { logicalLocations: [{ name: section, kind: 'member' }] }),
  };
}

function levelOf(property: PropertyResult): 'error' | 'warning' {
  return property.status === 'vacuous' ? 'warning' : 'error';
}

/** The reports as one SARIF log, indented JSON ending in a newline. */
export function renderSarif(inputs: readonly SarifInput[], options: SarifOptions): string {
  const rules = new Map<string, Rule>();
  for (const { report } of inputs) {
    if (report.unbootable && !rules.has(BOOT_RULE.id)) rules.set(BOOT_RULE.id, { ...BOOT_RULE });
    for (const property of report.properties) {
      if (!rules.has(property.name)) {
        rules.set(property.name, { id: property.name, summary: property.summary, kind: property.kind });
      }
    }
  }
  const ruleIndex = new Map([...rules.keys()].map((id, index) => [id, index]));
  const results = inputs.flatMap((input) => {
    const { report } = input;
    const found = [];
    if (report.unbootable) {
      found.push({
        ruleId: BOOT_RULE.id,
        ruleIndex: ruleIndex.get(BOOT_RULE.id)!,
        level: 'error',
        message: { text: unbootableText(report, report.unbootable) },
        locations: [location(input, rules.get(BOOT_RULE.id)!)],
        properties: { topology: report.topology, verdict: report.verdict },
      });
    }
    for (const property of report.properties) {
      if (property.status === 'holds') continue;
      found.push({
        ruleId: property.name,
        ruleIndex: ruleIndex.get(property.name)!,
        level: levelOf(property),
        message: { text: propertyFailureText(report, property, { timing: options.timing ?? true }) },
        locations: [location(input, rules.get(property.name)!)],
        properties: {
          topology: report.topology,
          status: property.status,
          ...(property.counterexample ? { replay: property.counterexample.replay } : {}),
        },
      });
    }
    return found;
  });
  const log = {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: 'protmem',
            version: options.version,
            semanticVersion: options.version,
            rules: [...rules.values()].map((rule) => ({
              id: rule.id,
              name: rule.id,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.summary },
              defaultConfiguration: { level: 'error' },
              properties: { kind: rule.kind },
            })),
          },
        },
        artifacts: [...new Set(inputs.map(({ report }) => report.file))].map((file) => ({
          location: artifactLocation(file),
        })),
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
