/**
 * Where each named flaw of the catalog is switched: for every machine entry of the flaw (see
 * `src/topology/flaws.ts`), the kind of component built from that machine and the `provide`
 * that makes it buggy. `composeWorld` applies them with `withFlaws`;
 * `test/catalog/catalogStructure.test.ts` checks that every name in `FLAWS` has a switch.
 */
import type { AnyStateMachine } from 'xstate';
import type { ComponentKind } from '../../properties/model.ts';
import { FLAW_SOURCES, type FlawSource } from '../topology/flaws.ts';

interface MachineSwitch {
  readonly kind: ComponentKind;
  readonly provide: unknown;
}

interface FlawSwitch {
  readonly machines: readonly MachineSwitch[];
}

function flawSwitches(sources: readonly FlawSource[]): Record<string, FlawSwitch> {
  const machines = new Map<string, MachineSwitch[]>();
  for (const { kind, flaws } of sources)
    for (const [name, entry] of Object.entries(flaws))
      machines.set(name, [...(machines.get(name) ?? []), { kind, provide: entry.provide }]);
  return Object.fromEntries([...machines].map(([name, list]) => [name, { machines: list }]));
}

export const FLAW_SWITCHES: Readonly<Record<string, FlawSwitch>> = flawSwitches(FLAW_SOURCES);

/** The machine with every switched-on flaw of `kind` applied. */
export function withFlaws<Machine extends AnyStateMachine>(
  machine: Machine,
  kind: ComponentKind,
  flaws: readonly string[],
): Machine {
  let result: AnyStateMachine = machine;
  for (const name of flaws)
    for (const entry of FLAW_SWITCHES[name]?.machines ?? [])
      if (entry.kind === kind) result = result.provide(entry.provide as never);
  return result as Machine;
}
