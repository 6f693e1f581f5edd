import { connect } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameAssembler, maxChunkBytes, requestFrame } from '../../src/worker/nats-chunks.ts';
import { suiteIf } from '../fixtures.ts';
import { natsOrSkip } from './nats-server.ts';

const nats = await natsOrSkip();

suiteIf(nats, (test, nats) => {
  test.after(async () => { await nats.stop(); });

  test('a frame several times the server max_payload arrives whole, in order, with one reply', async () => {
    const nc = await connect({ servers: nats.url });
    const max = maxChunkBytes(nc);
    const frame = Uint8Array.from({ length: max * 4 + 12345 }, (_, i) => (i * 31 + (i >> 11)) & 0xff);
    const assembler = new FrameAssembler();
    let messages = 0;
    nc.subscribe('chunks.test', {
      callback: (_e, msg) => {
        messages++;
        const whole = assembler.accept(msg);
        if (whole === null) return;
        let sum = 0;
        for (let i = 0; i < whole.length; i++) sum = (sum * 33 + whole[i]!) >>> 0;
        msg.respond(new TextEncoder().encode(`${whole.length} ${sum}`));
      },
    });
    await nc.flush();
    let expected = 0;
    for (let i = 0; i < frame.length; i++) expected = (expected * 33 + frame[i]!) >>> 0;
    const reply = await requestFrame(nc, 'chunks.test', frame, 10_000);
    assert.is(new TextDecoder().decode(reply.data), `${frame.length} ${expected}`);
    assert.is(messages, 5);
    const small = await requestFrame(nc, 'chunks.test', frame.subarray(0, 100), 10_000);
    assert.is(new TextDecoder().decode(small.data).split(' ')[0], '100');
    assert.is(messages, 6);
    await nc.close();
  });

  test('a chunk out of sequence is refused', async () => {
    const fake = (tag: string) => ({ headers: { get: () => tag }, data: new Uint8Array(3) }) as never;
    const a = new FrameAssembler();
    assert.throws(() => a.accept(fake('t1 1 3')), /without its first chunk/);
    assert.is(a.accept(fake('t2 0 3')), null);
    assert.throws(() => a.accept(fake('t2 2 3')), /expected 1\/3/);
    assert.throws(() => a.accept(fake('t3 5 3')), /bad Superserve-Frame header/);
  });
});

test.run();
