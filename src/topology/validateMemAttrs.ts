/**
 * A dynamic heap's endpoint list (`heaps[].memAttrs`): the FF-A endpoints OP-TEE names for the
 * use case in its OPTEE_MSG_CMD_GET_PROTMEM_CONFIG answer, which `optee_protmem_alloc_dyn_pool()`
 * (torvalds/linux drivers/tee/optee/protmem.c) keeps in `rp->mem_attrs` and
 * `optee_ffa_lend_protmem()` (drivers/tee/optee/ffa_abi.c) turns into one endpoint memory access
 * descriptor each.
 */
import { listWords, quote } from './issues.ts';
import { names, type Problems } from './problems.ts';
import type { Topology } from './schema.ts';

/** OP-TEE itself, the endpoint that retrieves the lend (OPTEE_MSG_CMD_ASSIGN_PROTMEM). */
const OPTEE_ENDPOINT = 'secure';

/** Only a dynamic pool is lent; the endpoints are OP-TEE and secure apps, each listed once, OP-TEE among them. */
export function checkMemAttrs(topology: Pick<Topology, 'heaps' | 'secureWorld'>, problems: Problems): void {
  const endpoints = [OPTEE_ENDPOINT, ...names(topology.secureWorld.apps ?? [])];
  topology.heaps.forEach((heap, index) => {
    const memAttrs = heap.memAttrs;
    if (memAttrs === undefined) return;
    const path = ['heaps', index, 'memAttrs'];
    if (heap.kind !== 'protectedDynamic') {
      problems.add(
        'incompatible',
        path,
        'only a protectedDynamic heap is lent at run time (optee_ffa_lend_protmem()), so only it has an endpoint list',
        'kind: protectedDynamic',
        `kind: ${heap.kind}`,
      );
      return;
    }
    const seen = new Map<string, number>();
    memAttrs.forEach((attr, attrIndex) => {
      const at = [...path, attrIndex, 'endpoint'];
      if (
        !problems.reference(at, attr.endpoint, endpoints, 'endpoint', `one of ${listWords(endpoints, 'or')}`)
      )
        return;
      const first = seen.get(attr.endpoint);
      if (first !== undefined) {
        // Hafnium's ffa_memory_send_validate(): two descriptors for one receiver.
        problems.add(
          'duplicateName',
          at,
          'an endpoint listed twice',
          'an endpoint no other entry names',
          `${quote(attr.endpoint)}, already memAttrs[${first}]`,
        );
      }
      seen.set(attr.endpoint, attrIndex);
    });
    if (memAttrs.length > 1 && topology.secureWorld.spmc !== 'hafnium') {
      // Only Hafnium's several-receiver LEND (MAX_MEM_SHARE_RECIPIENTS, ffa_memory_send_validate())
      // is modelled; the EL3 SPMC's and OP-TEE's limits are not.
      problems.add(
        'requiresFeature',
        path,
        'a lend to several endpoints is modelled with Hafnium as the SPMC only',
        'secureWorld.spmc: hafnium',
        `secureWorld.spmc: ${topology.secureWorld.spmc}`,
      );
    }
    if (!memAttrs.some((attr) => attr.endpoint === OPTEE_ENDPOINT)) {
      problems.add(
        'incompatible',
        path,
        'OP-TEE retrieves the lent pool itself (OPTEE_MSG_CMD_ASSIGN_PROTMEM), so the list must name it',
        `an entry { endpoint: ${OPTEE_ENDPOINT} }`,
        listWords(
          memAttrs.map((attr) => quote(attr.endpoint)),
          'and',
        ),
      );
    }
  });
}
