/**
 * `protmem diagram [topologies...]`: draws state machines and topologies into `--out`.
 * With no topology, every machine in `machines/` (or those named by `--machine`) as
 * `<name>.mmd` (Mermaid), `<name>.dot` and `<name>.svg`; each topology as
 * `topology-<name>.dot` and `topology-<name>.svg`. With `--flaw`, instead, each machine the
 * flaw reimplements part of as `<name>.<flaw>.dot` and `.svg`: its chart with the transitions
 * the flaw changes in red and a note saying what it swaps. Prints the files written, one a line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MachineEntry, machines } from '../../machines/index.ts';
import { guardCitations } from '../check/guardCitations.ts';
import { machineDot, topologyDot } from '../render/dot.ts';
import { flawChange } from '../render/flawChange.ts';
import { machineGraph } from '../render/machineGraph.ts';
import { machineMermaid } from '../render/mermaid.ts';
import { chartSvg, renderSvg } from '../render/svg.ts';
import { topologyGraph } from '../render/topologyGraph.ts';
import { FLAW_NAMES, FLAWS } from '../topology/flaws.ts';
import { formatTopologyIssue } from '../topology/issues.ts';
import { closestName } from '../topology/suggest.ts';
import { FLAW_SWITCHES } from '../world/flawSwitches.ts';
import type { diagramOptions } from './commands.ts';
import { EXIT_CODES } from './exitCodes.ts';
import { type ParsedOptions, UsageError } from './options.ts';
import type { CliIo } from './run.ts';
import { loadTopologies, topologyFiles } from './topologyPaths.ts';

export const DEFAULT_DIAGRAM_FORMATS = ['svg', 'mermaid'] as const;

/** `option --<what>: no <what> "<name>"`, suggesting the closest of `names`. */
function unknownName(what: string, name: string, names: readonly string[]): UsageError {
  const suggestion = closestName(name, names);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  return new UsageError(`option --${what}: no ${what} "${name}"${hint}`);
}

function selectMachines(names: readonly string[], topologiesGiven: boolean) {
  if (names.length === 0) return topologiesGiven ? [] : [...machines];
  return names.map((name) => {
    const entry = machines.find((m) => m.name === name || m.name === `${name}Machine`);
    if (entry) return entry;
    throw unknownName(
      'machine',
      name,
      machines.map((m) => m.name),
    );
  });
}

/** For each flaw named, every selected machine it reimplements part of, with the change. */
function flawVariants(names: readonly string[], selected: readonly MachineEntry[]) {
  return names.flatMap((name) => {
    const flaw = FLAWS.find((f) => f.name === name);
    if (flaw === undefined) {
      throw unknownName('flaw', name, FLAW_NAMES);
    }
    return selected.flatMap((entry) => {
      const changes = (FLAW_SWITCHES[name]?.machines ?? []).map((part) =>
        flawChange(entry.machine, flaw, part.provide),
      );
      const change = changes.find((each) => each !== undefined);
      return change === undefined ? [] : [{ entry, flaw: name, change }];
    });
  });
}

export async function runDiagram(
  paths: readonly string[],
  options: ParsedOptions<typeof diagramOptions>,
  io: CliIo,
): Promise<number> {
  const formats = new Set(options.format.length > 0 ? options.format : DEFAULT_DIAGRAM_FORMATS);
  const selected = selectMachines(options.machine, paths.length > 0);
  const { loaded, errors } = await loadTopologies(await topologyFiles(paths));
  if (errors.length > 0) {
    io.stderr.write(`${errors.flatMap((error) => error.issues.map(formatTopologyIssue)).join('\n')}\n`);
    return EXIT_CODES.badInput;
  }
  if (loaded.length > 0 && !formats.has('dot') && !formats.has('svg')) {
    throw new UsageError('option --format: topologies are drawn as dot or svg, not mermaid');
  }
  await mkdir(options.out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    const file = join(options.out, name);
    await writeFile(file, text);
    written.push(file);
  };
  const variants = flawVariants(options.flaw, selected);
  if (options.flaw.length > 0 && variants.length === 0) {
    throw new UsageError(`option --flaw: ${options.flaw.join(', ')} changes none of the machines drawn`);
  }
  for (const { entry, flaw, change } of variants) {
    const graph = machineGraph(entry.machine);
    const dot = machineDot(graph, { citations: guardCitations[graph.id] ?? {}, changed: change });
    if (formats.has('dot')) await write(`${entry.name}.${flaw}.dot`, dot);
    if (formats.has('svg')) await write(`${entry.name}.${flaw}.svg`, chartSvg(await renderSvg(dot)));
  }
  for (const entry of options.flaw.length > 0 ? [] : selected) {
    const graph = machineGraph(entry.machine);
    const citations = guardCitations[graph.id] ?? {};
    if (formats.has('mermaid')) await write(`${entry.name}.mmd`, machineMermaid(graph, citations));
    const dot = machineDot(graph, { citations });
    if (formats.has('dot')) await write(`${entry.name}.dot`, dot);
    if (formats.has('svg')) await write(`${entry.name}.svg`, chartSvg(await renderSvg(dot)));
  }
  for (const each of loaded) {
    const dot = topologyDot(topologyGraph(each.topology));
    const base = `topology-${each.topology.name}`;
    if (formats.has('dot')) await write(`${base}.dot`, dot);
    if (formats.has('svg')) await write(`${base}.svg`, await renderSvg(dot));
  }
  io.stdout.write(written.map((file) => `${file}\n`).join(''));
  return EXIT_CODES.ok;
}
