/**
 * A design's mirror image for metamorphic tests: every name a design gives (VMs, secure apps,
 * regions, heaps, buffers, devices, streams, back-ends, IOMMU groups, Xen grants) renamed, and every list reversed except a
 * guest's program, whose order is the design's. The result is the same
 * design up to the order of its parts, so checking it must give the same status for every
 * property, the same number of distinct states and the same counterexample lengths: any
 * difference is a place where the model depends on a name or an order it should not.
 */
import type { Topology } from '../../src/topology/schema.ts';

/** Parties every design has; they keep their names. */
const BUILT_IN = new Set(['host', 'vmm', 'secure', 'hyp']);

export function renameAndReverse(topology: Topology, prefix = 'z'): Topology {
  const rename = (name: string) => (BUILT_IN.has(name) ? name : `${prefix}${name}`);
  const names = (list: readonly string[]) => [...list].reverse().map(rename);
  const reversed = <T>(list: readonly T[], map: (item: T) => T): T[] => [...list].reverse().map(map);
  const { virtio, pipeline, secureWorld } = topology;
  return {
    ...topology,
    secureWorld: {
      ...secureWorld,
      ...(secureWorld.apps !== undefined
        ? {
            apps: reversed(secureWorld.apps, (app) => ({
              name: rename(app.name),
              ...(app.heaps !== undefined ? { heaps: names(app.heaps) } : {}),
            })),
          }
        : {}),
    },
    // A program is an order the design gives, so its entries keep theirs.
    vms: reversed(topology.vms, (vm) => ({
      ...vm,
      name: rename(vm.name),
      ...(vm.program !== undefined
        ? {
            program: vm.program.map((entry) =>
              entry.buffer !== undefined ? { ...entry, buffer: rename(entry.buffer) } : entry,
            ),
          }
        : {}),
    })),
    memory: reversed(topology.memory, (region) => ({
      ...region,
      name: rename(region.name),
      owner: rename(region.owner),
      ...(region.tzasc
        ? {
            tzasc: {
              ...region.tzasc,
              nsRead: names(region.tzasc.nsRead),
              nsWrite: names(region.tzasc.nsWrite),
            },
          }
        : {}),
    })),
    heaps: reversed(topology.heaps, (heap) => ({
      ...heap,
      name: rename(heap.name),
      region: rename(heap.region),
      // The endpoint list is the order of the lend's access descriptors: it keeps its order.
      ...(heap.memAttrs !== undefined
        ? { memAttrs: heap.memAttrs.map((entry) => ({ ...entry, endpoint: rename(entry.endpoint) })) }
        : {}),
    })),
    buffers: reversed(topology.buffers, (buffer) => ({
      ...buffer,
      name: rename(buffer.name),
      ...(buffer.heap !== undefined ? { heap: rename(buffer.heap) } : {}),
      ...(buffer.region !== undefined ? { region: rename(buffer.region) } : {}),
      allocatedBy: rename(buffer.allocatedBy),
    })),
    devices: reversed(topology.devices, (device) => ({
      ...device,
      name: rename(device.name),
      controlledBy: rename(device.controlledBy),
      ...(device.assignedTo !== undefined ? { assignedTo: rename(device.assignedTo) } : {}),
      ...(device.iommuGroup !== undefined ? { iommuGroup: rename(device.iommuGroup) } : {}),
    })),
    ffaLends: reversed(topology.ffaLends, (lend) => ({ buffer: rename(lend.buffer), by: rename(lend.by) })),
    xen: {
      ...topology.xen,
      grants: reversed(topology.xen.grants, (grant) => ({
        ...grant,
        buffer: rename(grant.buffer),
        by: rename(grant.by),
        to: rename(grant.to),
      })),
      gntdevExports: reversed(topology.xen.gntdevExports, (entry) => ({
        buffer: rename(entry.buffer),
        by: rename(entry.by),
      })),
    },
    gunyah: {
      ...topology.gunyah,
      parcels: reversed(topology.gunyah.parcels, (parcel) => ({
        ...parcel,
        buffer: rename(parcel.buffer),
        by: rename(parcel.by),
        acl: reversed(parcel.acl, (entry) => ({ ...entry, vm: rename(entry.vm) })),
      })),
    },
    ...(topology.cca ? { cca: { ...topology.cca, unprotected: names(topology.cca.unprotected) } } : {}),
    virtio: {
      ...virtio,
      backends: reversed(virtio.backends, (backend) => ({
        name: rename(backend.name),
        servesVm: rename(backend.servesVm),
      })),
      exports: reversed(virtio.exports, (entry) => ({
        ...entry,
        buffer: rename(entry.buffer),
        by: rename(entry.by),
        allow: names(entry.allow),
      })),
      imports: reversed(virtio.imports, (entry) => ({
        buffer: rename(entry.buffer),
        into: rename(entry.into),
      })),
      bounce: reversed(virtio.bounce, (entry) => ({
        vm: rename(entry.vm),
        pool: rename(entry.pool),
        buffer: rename(entry.buffer),
        direction: entry.direction,
        ...(entry.deliverTo !== undefined ? { deliverTo: rename(entry.deliverTo) } : {}),
      })),
    },
    streams: reversed(topology.streams, (stream) => ({
      name: rename(stream.name),
      audience: names(stream.audience),
      ...(stream.trusted !== undefined ? { trusted: names(stream.trusted) } : {}),
    })),
    pipeline: {
      stream: rename(pipeline.stream),
      input: rename(pipeline.input),
      decrypt: { by: rename(pipeline.decrypt.by), output: rename(pipeline.decrypt.output) },
      ...(pipeline.decode
        ? { decode: { by: rename(pipeline.decode.by), output: rename(pipeline.decode.output) } }
        : {}),
      ...(pipeline.compose
        ? { compose: { by: rename(pipeline.compose.by), output: rename(pipeline.compose.output) } }
        : {}),
      display: { by: rename(pipeline.display.by) },
    },
    flaws: [...topology.flaws].reverse(),
  };
}
