/**
 * Each Secure Data Path property on a hand-built world state that breaks it: the state is made
 * by delivering machine events directly or by editing one component's snapshot, bypassing the
 * rules that would normally prevent it, and the violation must name the subject, the party and
 * the path precisely. The catalog holds a topology that reaches each violation for real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatViolation, type Invariant } from '../../properties/model.ts';
import { noDanglingAccessAfterRelease } from '../../properties/sdp/noDanglingAccessAfterRelease.ts';
import { pageConservation } from '../../properties/sdp/pageConservation.ts';
import { plaintextNeverReachesUntrusted } from '../../properties/sdp/plaintextNeverReachesUntrusted.ts';
import { protectedBufferIntegrity } from '../../properties/sdp/protectedBufferIntegrity.ts';
import { protectedBufferNotExposed } from '../../properties/sdp/protectedBufferNotExposed.ts';
import { scrubBeforeReuse } from '../../properties/sdp/scrubBeforeReuse.ts';
import { sharedObjectTableAuthority } from '../../properties/sdp/sharedObjectTableAuthority.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { EventData, WorldState } from '../../src/world/world.ts';

const root = join(import.meta.dirname, '..', '..');
function world(file: string) {
  const path = join(root, file);
  return composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology);
}

function harness(file: string) {
  const sdp = world(file);
  const index = (id: string) => {
    const found = sdp.world.components.find((c) => c.id === id);
    if (!found) throw new Error(`no component ${id}`);
    return found.index;
  };
  return {
    sdp,
    /** Delivers events to components by id, in order. */
    deliver(state: WorldState, ...events: [string, EventData][]): WorldState {
      const outcome = sdp.world.deliver(
        state,
        events.map(([id, event]) => ({ component: index(id), event })),
      );
      if ('refused' in outcome) {
        const { component, event, code } = outcome.refused;
        throw new Error(`hand-built state: ${component.label} refused ${event.type} (${code})`);
      }
      return outcome.state;
    },
    /** Replaces one component's snapshot. */
    edit(state: WorldState, id: string, change: { value?: string; context?: object }): WorldState {
      const parts = state.parts.slice();
      const i = index(id);
      const old = parts[i]!;
      parts[i] = {
        value: change.value ?? old.value,
        context: { ...(old.context as object), ...change.context },
      };
      return { parts, ids: state.ids.map((v, j) => (j === i ? -1 : v)) };
    },
    violations(invariant: Invariant, state: WorldState): string[] {
      return invariant.world!(state, sdp.model).map(formatViolation);
    },
  };
}

const TZ = 'topologies/trustzone-tzasc-carveout.yaml';
const PVM = 'topologies/pkvm-teardown-decrypt-vm.yaml';
const UUID = 'topologies/virtio-uuid-access-control.yaml';
const DYNAMIC = 'topologies/dynamic-heap-unmap-all.yaml';

describe('SDP properties on hand-built states', () => {
  it('plaintextNeverReachesUntrusted names the page, the reader, its path and the audience', () => {
    const h = harness(TZ);
    expect(h.violations(plaintextNeverReachesUntrusted, h.sdp.world.initial)).toEqual([]);
    const leaked = h.deliver(h.sdp.world.initial, [
      'content:3',
      { type: 'WRITE_PLAINTEXT', stream: 'movie', by: 'test' },
    ]);
    // The decoder and the display reach the page too, but they are in the audience.
    expect(h.violations(plaintextNeverReachesUntrusted, leaked)).toEqual([
      'page host-scratch:0: expected audience is secure, vdec, dpu; actual holds plaintext of stream "movie"; readable by host via CPU (no hypervisor: the host kernel maps all memory)',
    ]);
  });

  it('plaintextNeverReachesUntrusted sees a pVM page the host borrowed', () => {
    const h = harness(PVM);
    const facts = { vm: 0, vmProtected: true, vcpuLoaded: true, vmDying: false };
    const shared = h.deliver(
      h.sdp.world.initial,
      ['page:1', { type: 'GUEST_SHARE_HOST', ...facts }],
      ['content:1', { type: 'WRITE_PLAINTEXT', stream: 'movie', by: 'test' }],
    );
    expect(h.violations(plaintextNeverReachesUntrusted, shared)).toEqual([
      'page decrypt-ram:1: expected audience is decrypt, dpu; actual holds plaintext of stream "movie"; readable by host via CPU through host stage-2 (SHARED_BORROWED)',
    ]);
  });

  it('protectedBufferNotExposed catches a CPU mapping of a protected buffer', () => {
    const h = harness(TZ);
    const mapped = h.edit(h.sdp.world.initial, 'buffer:bitstream', {
      value: 'exported',
      context: { mmaps: ['host'] },
    });
    expect(h.violations(protectedBufferNotExposed, mapped)).toEqual([
      'protected buffer bitstream: expected no CPU mapping outside the audience (secure, vdec, dpu); actual host holds a CPU mapping (mmap)',
    ]);
  });

  it('protectedBufferIntegrity catches a writer outside the audience', () => {
    const h = harness(TZ);
    const allocated = h.edit(h.sdp.world.initial, 'buffer:bitstream', { value: 'exported' });
    expect(h.violations(protectedBufferIntegrity, allocated)).toEqual([]);
    const unfiltered = h.edit(allocated, 'tzasc:carveout', { value: 'open', context: { filters: 0 } });
    expect(h.violations(protectedBufferIntegrity, unfiltered)[0]).toBe(
      'buffer bitstream (page carveout:0): expected writable only by secure, vdec, dpu; actual writable by host via CPU (no hypervisor: the host kernel maps all memory)',
    );
  });

  it('scrubBeforeReuse catches plaintext left on a page that is free', () => {
    const h = harness(TZ);
    const dirty = h.deliver(h.sdp.world.initial, [
      'content:1',
      { type: 'WRITE_PLAINTEXT', stream: 'movie', by: 'test' },
    ]);
    expect(h.violations(scrubBeforeReuse, dirty)).toEqual([
      'page carveout:0: expected zeroed before it is free for reuse; actual free, still holding plaintext of "movie"',
    ]);
    const inUse = h.edit(dirty, 'buffer:bitstream', { value: 'exported' });
    expect(h.violations(scrubBeforeReuse, inUse)).toEqual([]);
  });

  it('noDanglingAccessAfterRelease catches a destroyed guest that still maps a page', () => {
    const h = harness(PVM);
    const destroyed = h.edit(h.sdp.world.initial, 'vm:decrypt', { value: 'destroyed' });
    expect(h.violations(noDanglingAccessAfterRelease, destroyed)).toEqual([
      'page decrypt-ram:0: expected no reference after free or teardown; actual still mapped (OWNED) by destroyed guest decrypt',
      'page decrypt-ram:1: expected no reference after free or teardown; actual still mapped (OWNED) by destroyed guest decrypt',
    ]);
  });

  it('sharedObjectTableAuthority catches a lookup by a back-end the exporter did not allow', () => {
    const h = harness(UUID);
    const looked = h.edit(h.sdp.world.initial, 'uuid:frame', {
      value: 'dmabuf',
      context: { device: 'virtio-gpu', handedTo: ['camera-backend'] },
    });
    expect(h.violations(sharedObjectTableAuthority, looked)).toEqual([
      'UUID of buffer frame: expected handed only to display-backend (exported by decrypt); actual back-end camera-backend obtained the buffer by SHARED_OBJECT_LOOKUP',
    ]);
  });

  it('pageConservation catches a page owned by a destroyed guest and a pool page back while lent', () => {
    const h = harness(PVM);
    const stranded = h.edit(h.sdp.world.initial, 'vm:decrypt', { value: 'destroyed' });
    expect(h.violations(pageConservation, stranded)).toEqual([
      'page decrypt-ram:0: expected owned by a live component; actual annotated as owned by destroyed guest decrypt',
      'page decrypt-ram:1: expected owned by a live component; actual annotated as owned by destroyed guest decrypt',
    ]);
    const d = harness(DYNAMIC);
    const lent = d.edit(d.sdp.world.initial, 'ffa:0', {
      value: 'live.retrieved',
      context: { shareFunc: 'FFA_MEM_LEND', pages: [1] },
    });
    expect(d.violations(pageConservation, lent)).toEqual([
      "page cma:0: expected held by one owner: back with the kernel only once the secure world gave it up; actual returned to the kernel's allocator by heap secure-video while still lent to the secure world",
    ]);
  });
});
