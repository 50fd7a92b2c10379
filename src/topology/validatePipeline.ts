/**
 * The pipeline checks of a topology (docs/model.md#pipeline): the stream and buffers it names
 * exist, each stage is run by the right kind of party (a secure app or a VM decrypts, a decoder
 * decodes, a GPU composes, a display displays), and the compose stage writes a buffer of its
 * own, so the display reads what the GPU wrote.
 */
import { type FieldPath, listWords, quote } from './issues.ts';
import { secureAppNames } from './parties.ts';
import { pipelineChain, STAGE_ROLE } from './pipelineChain.ts';
import { declared, names, type Problems, partyOf } from './problems.ts';
import type { Topology } from './schema.ts';
import { didYouMean } from './suggest.ts';

export function checkPipeline(
  topology: Pick<Topology, 'streams' | 'buffers' | 'vms' | 'pipeline' | 'secureWorld' | 'devices'>,
  problems: Problems,
): void {
  const { pipeline } = topology;
  const streamNames = names(topology.streams);
  const bufferNames = names(topology.buffers);
  const vmNames = names(topology.vms);
  const buffer = (path: FieldPath, value: string) =>
    problems.reference(path, value, bufferNames, 'buffer', declared('buffer', bufferNames));
  problems.reference(
    ['pipeline', 'stream'],
    pipeline.stream,
    streamNames,
    'stream',
    declared('stream', streamNames),
  );
  buffer(['pipeline', 'input'], pipeline.input);
  buffer(['pipeline', 'decrypt', 'output'], pipeline.decrypt.output);
  const decryptPath = ['pipeline', 'decrypt', 'by'];
  const apps = secureAppNames(topology);
  if (
    problems.reference(
      decryptPath,
      pipeline.decrypt.by,
      [...apps, ...vmNames],
      'decrypting party',
      partyOf(apps, vmNames),
    ) &&
    apps.includes(pipeline.decrypt.by) &&
    !topology.secureWorld.tee
  ) {
    problems.add(
      'requiresFeature',
      decryptPath,
      'decrypting in the secure world needs a TEE',
      'secureWorld.tee: true',
      'secureWorld.tee: false',
    );
  }
  for (const kind of ['decode', 'compose'] as const) {
    const stage = pipeline[kind];
    if (stage === undefined) continue;
    checkDeviceRole(topology, problems, ['pipeline', kind, 'by'], stage.by, STAGE_ROLE[kind]);
    buffer(['pipeline', kind, 'output'], stage.output);
  }
  checkDeviceRole(topology, problems, ['pipeline', 'display', 'by'], pipeline.display.by, 'display');
  checkOutputsFresh(pipeline, problems);
}

/**
 * The compose stage writes a buffer of its own: writing the buffer it reads, or one an earlier
 * stage wrote, would leave the display reading a frame the GPU did not produce for it. The
 * decrypt and decode outputs keep the meaning they always had and are not checked here.
 */
function checkOutputsFresh(pipeline: Topology['pipeline'], problems: Problems): void {
  const chain = pipelineChain(pipeline);
  const compose = chain.find((stage) => stage.kind === 'compose');
  if (compose?.output === undefined) return;
  const earlier = new Map<string, string>([[pipeline.input, 'pipeline.input']]);
  for (const stage of chain) {
    if (stage === compose) break;
    if (stage.output !== undefined) earlier.set(stage.output, `pipeline.${stage.kind}.output`);
  }
  const named = earlier.get(compose.output);
  if (named === undefined) return;
  problems.add(
    'incompatible',
    ['pipeline', 'compose', 'output'],
    `the compose stage writes buffer ${quote(compose.output)}, which ${named} already names`,
    `a buffer no earlier stage reads or writes (not ${listWords([...earlier.keys()], 'or')})`,
    quote(compose.output),
  );
}

function checkDeviceRole(
  topology: Pick<Topology, 'devices'>,
  problems: Problems,
  path: FieldPath,
  name: string,
  role: string,
): void {
  const withRole = topology.devices.filter((device) => device.role === role).map((device) => device.name);
  const expected = `a ${role} device (${withRole.length === 0 ? `no device has role ${role}` : listWords(withRole, 'or')})`;
  const device = topology.devices.find((candidate) => candidate.name === name);
  if (device === undefined) {
    problems.add(
      'unknownReference',
      path,
      `unknown device ${quote(name)}${didYouMean(name, withRole)}`,
      expected,
      quote(name),
    );
  } else if (device.role !== role) {
    problems.add(
      'wrongRole',
      path,
      `device ${quote(name)} is not a ${role}`,
      expected,
      `${quote(name)} with role ${device.role}`,
    );
  }
}
