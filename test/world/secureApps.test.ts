/**
 * The secure world's parties as the composed world's reach names them: each app reads a
 * firewalled or retrieved page only when the TEE maps it into that app, which a design with
 * no apps leaves to the one party `secure` (docs/model.md#parties-and-trust).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessPaths } from '../../properties/sdp/access.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';

function composed(file: string) {
  return composeWorld(parseTopology(readFileSync(file, 'utf8'), file).topology);
}

/** The secure-world readers of each carveout page after boot, by page label. */
function secureReaders(file: string): Record<string, string[]> {
  const { world, model } = composed(file);
  const out: Record<string, string[]> = {};
  for (const page of model.pages.filter((p) => p.region === 'carveout')) {
    out[page.label] = accessPaths(model, world.initial, page.pfn, 'read')
      .filter((path) => path.kind === 'secure')
      .map((path) => path.party);
  }
  return out;
}

describe('secure apps', () => {
  it('are one party, secure, in a design that declares none', () => {
    expect(secureReaders('topologies/trustzone-tzasc-carveout.yaml')).toEqual({
      'carveout:0': ['secure'],
      'carveout:1': ['secure'],
    });
  });

  it('each reach every firewalled page when the TEE maps any buffer into them', () => {
    expect(secureReaders('topologies/trustzone-trusted-ui-shares-carveout.yaml')).toEqual({
      'carveout:0': ['secure-video', 'trusted-ui'],
      'carveout:1': ['secure-video', 'trusted-ui'],
    });
  });

  it('reach only the pages of their own heaps when the design says so', () => {
    expect(secureReaders('topologies/trustzone-trusted-ui-own-heap.yaml')).toEqual({
      'carveout:0': ['secure-video'],
      'carveout:1': ['secure-video'],
    });
  });

  it("carry each stream's own trusted set into the model", () => {
    const { model } = composed('topologies/trustzone-trusted-ui-shares-carveout.yaml');
    expect(model.streams).toStrictEqual([
      { name: 'movie', audience: ['secure-video', 'vdec', 'dpu'], trusted: ['hyp', 'secure-video'] },
      { name: 'menu', audience: ['trusted-ui', 'dpu'], trusted: ['hyp', 'trusted-ui'] },
    ]);
  });

  it('name the decrypting app in the trace', () => {
    const { world } = composed('topologies/trustzone-trusted-ui-own-heap.yaml');
    const decrypt = world.steps.find((step) => step.action === 'invokeDecrypt' && step.role === 'pipeline');
    expect(decrypt?.text).toBe(
      'host asks the trusted app secure-video to decrypt movie from ciphertext into bitstream',
    );
  });
});
