/**
 * Media DMA masters: the decoder enforces secure in ⇒ secure out at buffer queueing (the V4L2
 * restricted-queue -EINVAL), writes its input's content to its output on each job, and the
 * display's scanout emits the frame it showed.
 */
import { describe, expect, it } from 'vitest';
import { ciphertextOf, plaintextOf } from '../../machines/contentLabel.ts';
import {
  type BufferFacts,
  deviceIsRunning,
  type MediaDeviceContext,
  type MediaDeviceEvent,
  type MediaDeviceInput,
  mediaDeviceFlaws,
  mediaDeviceMachine,
  mediaDeviceRefusals,
} from '../../machines/mediaDeviceMachine.ts';
import { driverDisagreements, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

const device = machineDriver<MediaDeviceContext, MediaDeviceEvent>(mediaDeviceMachine, mediaDeviceRefusals);
const flawed = machineDriver<MediaDeviceContext, MediaDeviceEvent>(
  mediaDeviceMachine.provide(mediaDeviceFlaws.decoderWritesPlaintextToClearOutput.provide),
  mediaDeviceRefusals,
);

const decoder: MediaDeviceInput = { role: 'decoder', controller: 'host', secureOutputEnforced: true };
const display: MediaDeviceInput = { role: 'display', controller: 'vm:display', secureOutputEnforced: true };
const gpu: MediaDeviceInput = { role: 'gpu', controller: 'host', secureOutputEnforced: false };

const secureBitstream: BufferFacts = { buffer: 'bitstream', protected: true };
const secureFrames: BufferFacts = { buffer: 'frames', protected: true };
const clearFrames: BufferFacts = { buffer: 'clear-frames', protected: false };

const qbuf = (input: BufferFacts, output?: BufferFacts): MediaDeviceEvent =>
  output ? { type: 'VIDIOC_QBUF', input, output } : { type: 'VIDIOC_QBUF', input };
const streamon: MediaDeviceEvent = { type: 'VIDIOC_STREAMON' };
const streamoff: MediaDeviceEvent = { type: 'VIDIOC_STREAMOFF' };
const run = (stream: string): MediaDeviceEvent => ({ type: 'DEVICE_RUN', inputLabel: plaintextOf(stream) });
const scanout = (stream: string): MediaDeviceEvent => ({ type: 'SCANOUT', label: plaintextOf(stream) });

describe('decoder lifecycle', () => {
  const idle = device.start(decoder);
  const configured = device.accept(idle, qbuf(secureBitstream, secureFrames));
  const running = device.accept(configured, streamon);

  it('goes idle → configured → running, and back to idle on STREAMOFF', () => {
    expect(idle.value).toBe('idle');
    expect(configured.value).toBe('configured');
    expect(configured.context.input).toEqual(secureBitstream);
    expect(configured.context.output).toEqual(secureFrames);
    expect(running.value).toBe('running');
    const stopped = device.accept(running, streamoff);
    expect(stopped.value).toBe('idle');
    expect(stopped.context.input).toBeNull();
    expect(stopped.context.output).toBeNull();
    expect(device.accept(configured, streamoff).value).toBe('idle');
  });

  it('requeues buffers while configured or streaming', () => {
    const other: BufferFacts = { buffer: 'frames-2', protected: true };
    expect(device.accept(configured, qbuf(secureBitstream, other)).context.output).toEqual(other);
    const requeued = device.accept(running, qbuf(secureBitstream, other));
    expect(requeued.value).toBe('running');
    expect(requeued.context.output).toEqual(other);
  });

  it('writes decoded plaintext of the input stream to its output on each job', () => {
    const { snap, emitted } = device.acceptEmitting(running, run('movie'));
    expect(snap.value).toBe('running');
    expect(emitted).toEqual([
      {
        type: 'DEVICE_DMA_WRITE',
        role: 'decoder',
        controller: 'host',
        from: 'bitstream',
        to: 'frames',
        toProtected: true,
        label: plaintextOf('movie'),
      },
    ]);
  });

  it('refuses STREAMON without buffers (-EINVAL); STREAMON twice and STREAMOFF idle have no effect', () => {
    expect(
      device.refusalDifferences(idle, [
        [streamon, 'EINVAL'],
        [streamoff, 'NO_EFFECT'],
      ]),
    ).toEqual([]);
    expect(device.refusalDifferences(running, [[streamon, 'NO_EFFECT']])).toEqual([]);
  });

  it('never runs a job unless streaming, and never scans out', () => {
    expect(device.refusalDifferences(idle, [[run('movie'), 'NOT_ISSUED']])).toEqual([]);
    expect(device.refusalDifferences(configured, [[run('movie'), 'NOT_ISSUED']])).toEqual([]);
    expect(device.refusalDifferences(running, [[scanout('movie'), 'NOT_ISSUED']])).toEqual([]);
  });

  it('needs both an OUTPUT and a CAPTURE buffer', () => {
    expect(device.refusalDifferences(idle, [[qbuf(secureBitstream), 'NOT_ISSUED']])).toEqual([]);
  });
});

describe('secure in ⇒ secure out', () => {
  it('refuses a clear output behind a protected input with -EINVAL, in every state', () => {
    const idle = device.start(decoder);
    const configured = device.accept(idle, qbuf(secureBitstream, secureFrames));
    const running = device.accept(configured, streamon);
    for (const snap of [idle, configured, running]) {
      expect(device.refusalDifferences(snap, [[qbuf(secureBitstream, clearFrames), 'EINVAL']])).toEqual([]);
    }
  });

  it('lets a clear input go to a clear output', () => {
    const clearBitstream: BufferFacts = { buffer: 'bitstream', protected: false };
    expect(device.accept(device.start(decoder), qbuf(clearBitstream, clearFrames)).value).toBe('configured');
  });

  it('does not apply to a decoder without enforcement', () => {
    const lax = { ...decoder, secureOutputEnforced: false };
    expect(device.accept(device.start(lax), qbuf(secureBitstream, clearFrames)).value).toBe('configured');
  });

  it('decoderWritesPlaintextToClearOutput: the flawed decoder accepts and writes plaintext to the clear buffer', () => {
    const idle = flawed.start(decoder);
    const configured = flawed.accept(idle, qbuf(secureBitstream, clearFrames));
    const running = flawed.accept(configured, streamon);
    const { emitted } = flawed.acceptEmitting(running, run('movie'));
    expect(emitted).toEqual([
      expect.objectContaining({ to: 'clear-frames', toProtected: false, label: plaintextOf('movie') }),
    ]);
  });
});

describe('display', () => {
  const idle = device.start(display);
  const running = device.accept(device.accept(idle, qbuf(secureFrames)), streamon);

  it('emits FRAME_DISPLAYED with the stream on each scanout', () => {
    const { emitted } = device.acceptEmitting(running, scanout('movie'));
    expect(emitted).toEqual([
      {
        type: 'FRAME_DISPLAYED',
        controller: 'vm:display',
        buffer: 'frames',
        bufferProtected: true,
        streams: ['movie'],
        label: plaintextOf('movie'),
      },
    ]);
  });

  it('keeps what is on screen until the plane is disabled', () => {
    const shown = device.accept(running, scanout('movie'));
    expect(shown.context.lastFrame).toEqual(plaintextOf('movie'));
    expect(device.accept(shown, streamoff).context.lastFrame).toBeNull();
  });

  it('shows no stream when the framebuffer holds no plaintext', () => {
    const { emitted } = device.acceptEmitting(running, { type: 'SCANOUT', label: ciphertextOf('movie') });
    expect(emitted).toEqual([expect.objectContaining({ type: 'FRAME_DISPLAYED', streams: [] })]);
  });

  it('takes one framebuffer, no output, and never runs decode jobs', () => {
    expect(device.refusalDifferences(idle, [[qbuf(secureFrames, secureFrames), 'NOT_ISSUED']])).toEqual([]);
    expect(device.refusalDifferences(running, [[run('movie'), 'NOT_ISSUED']])).toEqual([]);
    expect(
      device.refusalDifferences(device.accept(idle, qbuf(secureFrames)), [[scanout('movie'), 'NOT_ISSUED']]),
    ).toEqual([]);
  });
});

describe('GPU', () => {
  it('has no secure mode by default: a protected source may land in a clear target', () => {
    const running = device.accept(
      device.accept(device.start(gpu), qbuf(secureFrames, clearFrames)),
      streamon,
    );
    const { emitted } = device.acceptEmitting(running, run('movie'));
    expect(emitted).toEqual([
      expect.objectContaining({ role: 'gpu', to: 'clear-frames', toProtected: false }),
    ]);
  });

  it('in a protected context refuses a clear target (-EINVAL)', () => {
    expect(
      device.refusalDifferences(device.start({ ...gpu, secureOutputEnforced: true }), [
        [qbuf(secureFrames, clearFrames), 'EINVAL'],
      ]),
    ).toEqual([]);
  });
});

describe('compiled and interpreted steppers', () => {
  const script: MediaDeviceEvent[] = [
    streamon,
    qbuf(secureBitstream, clearFrames),
    qbuf(secureBitstream, secureFrames),
    run('movie'),
    streamon,
    run('movie'),
    scanout('movie'),
    qbuf(secureBitstream, clearFrames),
    streamoff,
    streamoff,
  ];
  it('agree for the decoder, sound and flawed', () => {
    expect(driverDisagreements(mediaDeviceMachine, decoder, script)).toEqual([]);
    expect(
      driverDisagreements(
        mediaDeviceMachine.provide(mediaDeviceFlaws.decoderWritesPlaintextToClearOutput.provide),
        decoder,
        script,
      ),
    ).toEqual([]);
  });
  it('agree for the display', () => {
    expect(
      driverDisagreements(mediaDeviceMachine, display, [
        qbuf(secureFrames),
        scanout('movie'),
        streamon,
        scanout('movie'),
        run('movie'),
        streamoff,
      ]),
    ).toEqual([]);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(mediaDeviceMachine, deviceIsRunning, ['running']);
  });
});

describe('display writeback (drm_writeback_queue_job())', () => {
  const withWriteback: MediaDeviceInput = { ...display, controller: 'host', writeback: true };
  const writeback = (target: BufferFacts): MediaDeviceEvent => ({
    type: 'WRITEBACK',
    target,
    label: plaintextOf('movie'),
  });
  const shown = (input: MediaDeviceInput) =>
    device.accept(device.accept(device.start(input), qbuf(secureFrames)), streamon);

  it('writes the shown frame into the target its controller names', () => {
    const { snap, emitted } = device.acceptEmitting(
      shown({ ...withWriteback, secureOutputEnforced: false }),
      writeback(clearFrames),
    );
    expect(snap.context.writebackTarget).toBe('clear-frames');
    expect(emitted).toEqual([
      {
        type: 'DEVICE_DMA_WRITE',
        role: 'display',
        controller: 'host',
        from: 'frames',
        to: 'clear-frames',
        toProtected: false,
        label: plaintextOf('movie'),
      },
    ]);
  });

  it('with secure in ⇒ secure out, writes a protected frame back only into a protected target', () => {
    const running = shown(withWriteback);
    expect(device.code(running, writeback(clearFrames))).toBe('EINVAL');
    expect(device.accept(running, writeback(secureFrames)).context.writebackTarget).toBe('frames');
  });

  it('needs a writeback connector and a streaming display', () => {
    expect(device.code(shown(display), writeback(secureFrames))).toBe('EINVAL');
    expect(device.code(device.start(withWriteback), writeback(secureFrames))).toBe('NOT_ISSUED');
    expect(device.start(display).context).not.toHaveProperty('writebackTarget');
  });
});
