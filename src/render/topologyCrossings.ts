/**
 * The crossings a topology declares, as edges of its drawing: how a buffer leaves the party
 * that made it. A virtio-gpu (or vhost-user) export puts it in the VMM's shared-object table
 * under a UUID; a back-end's UUID lookup takes it out (every back-end without access control,
 * only the allowed ones with it); a virtio-gpu import hands it to another VM; a swiotlb bounce
 * copies it through the guest's pool, and the VMM on into a host buffer; an FF-A lend gives it
 * to the secure world. Under Xen, a grant names the domain that may map the buffer's pages, and a
 * gntdev export turns the grantee's mapping into a dma-buf of its own. Under Gunyah, a memory
 * parcel goes to each VM of its access list. Pure: topology in, edges
 * out.
 */
import type { Topology } from '../topology/schema.ts';

export interface CrossingEdge {
  /** Node ids of the drawing: `buffer:frame`, `party:vmm`, `region:bounce`. */
  readonly from: string;
  readonly to: string;
  readonly kind:
    | 'virtioExport'
    | 'virtioLookup'
    | 'virtioImport'
    | 'swiotlbBounce'
    | 'ffaLend'
    | 'xenGrant'
    | 'gntdevExport'
    | 'gunyahParcel';
  /** What crosses, in words: `virtio-gpu export by decrypt (UUID)`. */
  readonly label: string;
}

/** Every crossing the topology declares, in the order of its sections. */
export function topologyCrossings(topology: Topology): CrossingEdge[] {
  const virtio = topology.virtio;
  const out: CrossingEdge[] = [];
  for (const exported of virtio.exports) {
    const how = exported.via === 'vhostUser' ? 'vhost-user' : 'virtio-gpu';
    out.push({
      from: `buffer:${exported.buffer}`,
      to: 'party:vmm',
      kind: 'virtioExport',
      label: `${how} export of ${exported.buffer} by ${exported.by} (UUID)`,
    });
    for (const backend of virtio.backends) {
      const checked = virtio.sharedObjects.accessControl;
      if (checked && !exported.allow.includes(backend.name)) continue;
      out.push({
        from: 'party:vmm',
        to: `party:${backend.name}`,
        kind: 'virtioLookup',
        label: `UUID lookup of ${exported.buffer} (${checked ? 'allowed' : 'no access control'})`,
      });
    }
  }
  for (const imported of virtio.imports) {
    out.push({
      from: `buffer:${imported.buffer}`,
      to: `party:${imported.into}`,
      kind: 'virtioImport',
      label: `virtio-gpu import of ${imported.buffer} into ${imported.into}`,
    });
  }
  const receivePool = new Map(
    virtio.bounce.filter((b) => b.direction === 'fromDevice').map((b) => [b.buffer, b.pool] as const),
  );
  for (const bounce of virtio.bounce) {
    const receiving = bounce.direction === 'fromDevice';
    out.push({
      from: receiving ? `region:${bounce.pool}` : `buffer:${bounce.buffer}`,
      to: receiving ? `buffer:${bounce.buffer}` : `region:${bounce.pool}`,
      kind: 'swiotlbBounce',
      label: receiving
        ? `swiotlb bounce into ${bounce.buffer}, received by ${bounce.vm}`
        : `swiotlb bounce of ${bounce.buffer} by ${bounce.vm}`,
    });
    if (bounce.deliverTo !== undefined) {
      const pool = receivePool.get(bounce.deliverTo);
      out.push({
        from: `region:${bounce.pool}`,
        to: pool === undefined ? `buffer:${bounce.deliverTo}` : `region:${pool}`,
        kind: 'swiotlbBounce',
        label:
          pool === undefined
            ? `the VMM copies the bounce into ${bounce.deliverTo}`
            : `the VMM copies the bounce into ${pool}'s slots for ${bounce.deliverTo}`,
      });
    }
  }
  for (const grant of topology.xen.grants) {
    out.push({
      from: `buffer:${grant.buffer}`,
      to: `party:${grant.to}`,
      kind: 'xenGrant',
      label: `Xen grant of ${grant.buffer} by ${grant.by} to ${grant.to} (${grant.readonly ? 'read-only' : 'read-write'})`,
    });
  }
  for (const exported of topology.xen.gntdevExports) {
    out.push({
      from: `buffer:${exported.buffer}`,
      to: `party:${exported.by}`,
      kind: 'gntdevExport',
      label: `gntdev dma-buf export of ${exported.buffer} by ${exported.by}`,
    });
  }
  for (const parcel of topology.gunyah.parcels) {
    for (const entry of parcel.acl) {
      if (entry.vm === parcel.by) continue;
      out.push({
        from: `buffer:${parcel.buffer}`,
        to: `party:${entry.vm}`,
        kind: 'gunyahParcel',
        label: `Gunyah MEM_${parcel.kind.toUpperCase()} of ${parcel.buffer} by ${parcel.by} to ${entry.vm} (${entry.rights === 'r' ? 'read-only' : 'read-write'})`,
      });
    }
  }
  for (const lend of topology.ffaLends) {
    out.push({
      from: `buffer:${lend.buffer}`,
      to: 'party:secure',
      kind: 'ffaLend',
      label: `FF-A MEM_LEND of ${lend.buffer} by ${lend.by}`,
    });
  }
  return out;
}
