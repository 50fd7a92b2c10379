/**
 * The steps of the Arm CCA family: the untrusted host tears a realm's protected buffer down
 * granule by granule, as the RMI lets it at any time: `RMI_DATA_DESTROY` (`smc_data_destroy()`
 * in TF-RMM runtime/rmi/rtt.c; the IPA becomes RIPAS DESTROYED, the RMM zeroes the granule),
 * then `RMI_GRANULE_UNDELEGATE` (`smc_granule_undelegate()` in runtime/rmi/granule.c; refused
 * with RMI_ERROR_INPUT while the granule is still DATA), after which the page is the host's.
 */
import type { CcaGranuleEvent } from '../../../machines/ccaGranuleMachine.ts';
import { type StepInput, send } from '../builder.ts';
import type { CcaFamily, RealmBuffer } from './ccaFamily.ts';

/** Who makes an RMI command on every granule of a realm's buffer, and what it delivers. */
function onEveryGranule(buffer: RealmBuffer, event: CcaGranuleEvent) {
  return {
    actor: 'host',
    role: 'adversary' as const,
    args: { buffer: buffer.name, realm: buffer.realm },
    plan: () => buffer.granules.map((g) => send(g, event)),
  };
}

/** `RMI_DATA_DESTROY` on every page of the buffer, with the realm's RD; the RMM zeroes each. */
export function destroyRealmData(buffer: RealmBuffer): StepInput {
  return {
    action: 'destroyRealmData',
    call: 'RMI_DATA_DESTROY',
    ...onEveryGranule(buffer, { type: 'RMI_DATA_DESTROY', realm: buffer.realm }),
    text: `host destroys the DATA granules of ${buffer.realm}'s buffer ${buffer.name} (RMI_DATA_DESTROY)`,
    touches: [...buffer.granules, ...buffer.contents],
  };
}

/** `RMI_GRANULE_UNDELEGATE` on every page of the buffer: back to the Non-secure PAS. */
export function undelegateRealmBuffer(buffer: RealmBuffer): StepInput {
  return {
    action: 'undelegateRealmBuffer',
    call: 'RMI_GRANULE_UNDELEGATE',
    ...onEveryGranule(buffer, { type: 'RMI_GRANULE_UNDELEGATE' }),
    text: `host undelegates the granules of buffer ${buffer.name} back to the Non-secure PAS (RMI_GRANULE_UNDELEGATE)`,
    touches: buffer.granules,
  };
}

/** Every CCA step, in the order the world offers them. */
export function addCcaSteps(add: (step: StepInput) => void, cca: CcaFamily): void {
  for (const buffer of cca.realmBuffers) {
    add(destroyRealmData(buffer));
    add(undelegateRealmBuffer(buffer));
  }
}
