/**
 * The trust checks of a topology (docs/model.md#parties-and-trust): the secure world's apps are
 * parties with names of their own, each heap an app is handed exists, and each stream's trusted
 * set names only parties that can be trusted, none of them left outside the stream's audience.
 */
import { listWords, quote } from './issues.ts';
import { BUILT_IN_PARTIES, DEFAULT_SECURE_APP, HYPERVISOR_PARTY, secureAppNames } from './parties.ts';
import { declared, names, type Problems } from './problems.ts';
import type { Topology } from './schema.ts';

/** Built-in parties an app may not be named after: `secure` stays free, for the default app. */
const RESERVED_FOR_APPS = ['host', 'vmm', HYPERVISOR_PARTY] as const;

/**
 * Every party an audience may name: the built-in ones with `secure` standing for the secure
 * world's apps (only `secure` itself when the design declares none), then VMs and devices.
 */
export function audienceParties(topology: Pick<Topology, 'secureWorld' | 'vms' | 'devices'>): string[] {
  const apps = secureAppNames(topology);
  return [
    ...BUILT_IN_PARTIES.flatMap((party) => (party === DEFAULT_SECURE_APP ? apps : [party])),
    ...names(topology.vms),
    ...names(topology.devices),
  ];
}

/** App names: unique, none of the built-in parties, and no VM's or device's. */
export function checkSecureApps(
  topology: Pick<Topology, 'secureWorld' | 'vms' | 'devices' | 'heaps'>,
  problems: Problems,
): void {
  const apps = topology.secureWorld.apps ?? [];
  const others = new Map<string, string>([
    ...topology.vms.map((vm, index) => [vm.name, `vms[${index}]`] as const),
    ...topology.devices.map((device, index) => [device.name, `devices[${index}]`] as const),
  ]);
  const heapNames = names(topology.heaps);
  const seen = new Map<string, number>();
  apps.forEach((app, index) => {
    const path = ['secureWorld', 'apps', index];
    const first = seen.get(app.name);
    if (first !== undefined) {
      problems.add(
        'duplicateName',
        [...path, 'name'],
        'duplicate secure app name',
        'a name no other secure app has',
        `${quote(app.name)}, already the name of secureWorld.apps[${first}]`,
      );
    } else if ((RESERVED_FOR_APPS as readonly string[]).includes(app.name)) {
      problems.add(
        'duplicateName',
        [...path, 'name'],
        `a secure app cannot take the name of the built-in party ${quote(app.name)}`,
        `a name other than ${listWords(RESERVED_FOR_APPS, 'or')}`,
        quote(app.name),
      );
    } else if (others.has(app.name)) {
      problems.add(
        'duplicateName',
        [...path, 'name'],
        'a secure app shares a name with a VM or a device (all are parties)',
        'a name no VM or device has',
        `${quote(app.name)}, already the name of ${others.get(app.name)}`,
      );
    }
    seen.set(app.name, seen.get(app.name) ?? index);
    app.heaps?.forEach((heap, heapIndex) => {
      problems.reference([...path, 'heaps', heapIndex], heap, heapNames, 'heap', declared('heap', heapNames));
    });
  });
}

/** Every member of a stream's audience is a party of the design. */
export function checkStreamAudiences(
  topology: Pick<Topology, 'vms' | 'devices' | 'streams' | 'secureWorld'>,
  problems: Problems,
): void {
  const parties = audienceParties(topology);
  const expected = `a party (${listWords(parties, 'or', 20)})`;
  topology.streams.forEach((stream, index) => {
    stream.audience.forEach((member, memberIndex) => {
      problems.reference(['streams', index, 'audience', memberIndex], member, parties, 'party', expected);
    });
  });
}

/**
 * A stream's trusted set names the hypervisor or secure apps, and every app it trusts is in
 * its audience too: trust lets a party read the plaintext, so an app trusted with a stream but
 * left out of its audience says both that it may and may not see it.
 */
export function checkStreamTrust(
  topology: Pick<Topology, 'streams' | 'secureWorld' | 'vms' | 'devices'>,
  problems: Problems,
): void {
  const apps = secureAppNames(topology);
  const trustable = [HYPERVISOR_PARTY, ...apps];
  const parties = audienceParties(topology);
  const expected = `hyp or a secure app (${listWords(apps, 'or')})`;
  topology.streams.forEach((stream, index) => {
    stream.trusted?.forEach((member, memberIndex) => {
      const path = ['streams', index, 'trusted', memberIndex];
      if (!trustable.includes(member)) {
        if (parties.includes(member)) {
          problems.add(
            'untrustableParty',
            path,
            `${quote(member)} cannot be trusted with a stream: only the hypervisor and secure apps can`,
            expected,
            quote(member),
          );
        } else {
          problems.reference(path, member, trustable, 'trusted party', expected);
        }
        return;
      }
      if (member === HYPERVISOR_PARTY || stream.audience.includes(member)) return;
      problems.add(
        'trustedOutsideAudience',
        path,
        `secure app ${quote(member)} is trusted with stream ${quote(stream.name)} but outside its audience`,
        `${quote(member)} in streams[${index}].audience too, or left out of trusted`,
        `audience ${listWords(stream.audience.map((party) => quote(party)))}`,
      );
    });
  });
}
