/**
 * Every refusal the boot sequence can meet, and what protmem makes of it. A refusal that no
 * real platform could be configured into is an invalid design: `validate` names the field
 * (exit 2). A refusal a real platform would meet is a finding about the design: `check` reports
 * it as the verdict `unbootable`, in the kernel's or firmware's own terms (exit 1).
 *
 * | boot call                                   | refused when                                   | classified as |
 * | ------------------------------------------- | ---------------------------------------------- | ------------- |
 * | `__pkvm_host_donate_guest()`                | the region is no-map (-EPERM)                  | unbootable    |
 * | `__pkvm_host_share_guest()`                 | the region is no-map (-EPERM)                  | unbootable    |
 * | `OPTEE_MSG_CMD_GET_PROTMEM_CONFIG`          | a dynamic pool on a region not lent at run time | invalid       |
 * | `__pkvm_guest_share_host()` (MEM_SHARE)     | the region is not a protected VM's own         | invalid       |
 * | `pkvm_device_request_dma()`                 | a device of the IOMMU group is not the hypervisor's (-EPERM) | unbootable |
 * | `DMA_HEAP_IOCTL_ALLOC` (first lend of a dynamic pool, tried once booted) | its endpoint list names two endpoints under pKVM (FFA_RET_INVALID_PARAMETERS) | unbootable |
 * | every other boot call (vCPU init, load and put, `tzc400_configure_region()`, the IOMMU domain, the TA session, FF-A version and mailbox, vhost-user, `of_reserved_mem_lookup()`, `tee_device_register_dma_heap()`) | never, in a design that validates | — |
 *
 * The last row is checked by a sweep: single-field edits of the catalog's designs in the fields
 * the boot sequence reads; each valid edit boots, or is unbootable for a reason in the table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { check } from '../../src/check/check.ts';
import { parseTopology, TopologyError } from '../../src/topology/load.ts';
import type { Topology } from '../../src/topology/schema.ts';
import { validateTopology } from '../../src/topology/validate.ts';
import { composeWorld } from '../../src/world/compose.ts';
import { UNBOOTABLE_REFUSALS } from '../support/bootRefusals.ts';

const CATALOG = join(import.meta.dirname, '..', '..', 'topologies');
const read = (file: string) => readFileSync(join(CATALOG, file), 'utf8');

function issuesOf(text: string): string[] {
  try {
    parseTopology(text, 'design.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
}

describe('boot refusals that are findings: unbootable', () => {
  it("a dynamic heap lent to two endpoints under pKVM: the FF-A proxy's __do_ffa_mem_xfer() refuses it", () => {
    const sdp = composeWorld(
      parseTopology(read('dynamic-heap-two-endpoints-pkvm.yaml'), 'design.yaml').topology,
    );
    expect(sdp.unbootable).toMatchObject({
      component: 'pKVM FF-A proxy',
      code: 'FFA_RET_INVALID_PARAMETERS',
      failedGuard: 'singleEndpoint',
      message:
        "the host's DMA_HEAP_IOCTL_ALLOC refuses buffer frame, whose FFA_MEM_LEND of heap secure-video names 2 endpoints (secure, video-sp) (FFA_RET_INVALID_PARAMETERS)",
    });
    expect(sdp.boot.at(-1)?.call).toBe('DMA_HEAP_IOCTL_ALLOC');
    // Without the proxy, Hafnium takes both endpoints and the design boots.
    const direct = read('dynamic-heap-two-endpoints-no-hypervisor.yaml');
    expect(composeWorld(parseTopology(direct, 'design.yaml').topology).unbootable).toBeUndefined();
  });

  it('a protected VM given a no-map carveout: __pkvm_host_donate_guest() refuses it', () => {
    const text = read('pkvm-pvm-decrypt-host-display-upstream.yaml').replace(
      '  - name: decrypt-ram\n',
      '  - name: decrypt-ram\n    type: nomap\n',
    );
    const report = check(parseTopology(text, 'design.yaml'), {
      mode: 'exhaustive',
      runs: 1,
      maxDepth: 4,
      maxStates: 1_000,
      seed: 0,
      properties: [],
    });
    expect(report.verdict).toBe('unbootable');
    expect(report.unbootable?.message).toBe(
      "the host's __pkvm_host_donate_guest() refuses page decrypt-ram:0 (-EPERM)",
    );
  });

  it('a non-protected VM given a no-map carveout: __pkvm_host_share_guest() refuses it', () => {
    const value = parseYaml(read('split-vms-virtio-bounce.yaml')) as Topology;
    const display = value.vms.find((vm) => !vm.protected)!;
    const region = value.memory.find((r) => r.owner === display.name)!;
    region.type = 'nomap';
    const sdp = composeWorld(parseTopology(stringifyYaml(value), 'design.yaml').topology);
    expect(sdp.unbootable).toMatchObject({ code: 'EPERM', step: { call: '__pkvm_host_share_guest()' } });
    expect(sdp.unbootable?.message).toMatch(/^the host's __pkvm_host_share_guest\(\) refuses page /);
  });
});

describe('boot refusals that are invalid designs: exit 2 with the field', () => {
  it('a protectedDynamic heap on a region that is not lent at run time', () => {
    const text = read('dynamic-heap-android-unmap-on-lend.yaml').replace('    knownBy: dynamicLending\n', '');
    expect(issuesOf(text)).toEqual([
      'heaps[1].region: a protectedDynamic heap lends CMA pages to the TEE at run time, so region "cma" must be knownBy: dynamicLending',
    ]);
  });

  it("a region shared back with the host that is not a protected VM's own", () => {
    const text = read('split-vms-virtio-bounce.yaml').replace(
      '    owner: decrypt\n    sharedWithHost: true',
      '    owner: host\n    sharedWithHost: true',
    );
    expect(issuesOf(text)).toContain(
      'memory[1].sharedWithHost: sharedWithHost is a protected VM sharing its own pages back with the host (MEM_SHARE)',
    );
  });
});

/** Single-field edits in the fields the boot sequence reads. */
function bootEdits(topology: Topology): Topology[] {
  const out: Topology[] = [];
  const owners = ['host', ...topology.vms.map((vm) => vm.name)];
  topology.memory.forEach((_, index) => {
    for (const type of ['memory', 'nomap'] as const)
      for (const knownBy of ['deviceTree', 'runtimeQuery', 'dynamicLending'] as const)
        for (const owner of owners)
          for (const sharedWithHost of [false, true]) {
            const edited = structuredClone(topology);
            Object.assign(edited.memory[index]!, { type, knownBy, owner, sharedWithHost });
            out.push(edited);
          }
  });
  topology.heaps.forEach((_, index) => {
    for (const kind of ['system', 'cma', 'protectedStatic', 'protectedDynamic'] as const)
      for (const exporter of ['system', 'teeHeap'] as const) {
        const edited = structuredClone(topology);
        Object.assign(edited.heaps[index]!, { kind, exporter });
        out.push(edited);
      }
  });
  topology.devices.forEach((device, index) => {
    for (const iommu of ['bypass', 'identity', 'domain'] as const) {
      const edited = structuredClone(topology);
      edited.devices[index]!.iommu = iommu;
      out.push(edited);
    }
    if (device.assignedTo !== undefined) {
      const edited = structuredClone(topology);
      edited.devices[index]!.hostDriverBound = true;
      out.push(edited);
    }
  });
  return out;
}

describe('every other boot call', () => {
  it('is never refused in a design that validates', () => {
    const files = readdirSync(CATALOG).filter((f) => f.endsWith('.yaml') && f !== 'manifest.yaml');
    const seen = new Map<string, number>();
    let booted = 0;
    // Every third design, and every design that does not boot as it is, so the sweep meets each
    // unbootable class whatever designs the catalog gains.
    const designs = files.map((file) => parseTopology(read(file), file).topology);
    const sampled = designs.filter((design, i) => i % 3 === 0 || composeWorld(design).unbootable);
    for (const base of sampled) {
      for (const edited of bootEdits(base)) {
        if (validateTopology(edited).length > 0) continue;
        const sdp = composeWorld(edited);
        if (!sdp.unbootable) {
          booted++;
          continue;
        }
        const key = `${sdp.unbootable.step.call} ${sdp.unbootable.code}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    expect([...seen.keys()].filter((key) => !UNBOOTABLE_REFUSALS.has(key))).toEqual([]);
    expect(booted).toBeGreaterThan(100);
    // The sweep reaches the unbootable classes too, so it would see a new one next to them.
    expect([...seen.keys()].sort()).toEqual([...UNBOOTABLE_REFUSALS].sort());
  });
});
