// The storm's firmware TFTP reader against maekin's TFTP server on loopback: the probe and the
// windowed read OVMF makes, lock-step when no window is granted, and a lost block repaired.
import { afterEach, describe, expect, it } from "vitest";
import { bufferHandler } from "../../src/net/tftp/_handlers.js";
import { createLoopback, pattern, sha } from "../../src/net/tftp/_test-client.js";
import type { TransferReport } from "../../src/net/tftp/_types.js";
import { OPTION_PROBE } from "../../src/net/tftp/_types.js";
import { firmwareTftpGet } from "./_firmware-tftp.js";

const { start, cleanup } = createLoopback();
afterEach(cleanup);

const FILE = pattern(100_000); // 68 blocks of 1468 and one of 176
const BLOCKS = 69;

async function serve(maxWindowsize?: number, timeoutMs = 200) {
  const reports: TransferReport[] = [];
  const { port, server } = await start({
    handler: bufferHandler({ "ipxe.efi": FILE }), timeoutMs,
    metrics: { transferFinished: (r) => reports.push(r) }, ...(maxWindowsize ? { maxWindowsize } : {}),
  });
  return { port, server, reports };
}

describe("the storm's firmware TFTP reader", () => {
  it("probes the size, then reads with the window OVMF asks for, ACKing every 4th block", async () => {
    const { port, reports } = await serve();
    const got = await firmwareTftpGet("127.0.0.1", "ipxe.efi", { windowsize: 4, port, keep: true, resendMs: 100 });
    expect(sha(got.data!)).toBe(sha(FILE));
    expect(got).toMatchObject({ bytes: FILE.length, blksize: 1468, windowsize: 4 });
    // ACK 0 for the OACK, one per full window of 4 (blocks 4..68), one for the last block.
    expect(got.acks).toBe(1 + Math.floor(BLOCKS / 4) + 1);
    await expect.poll(() => reports.length).toBe(2);
    expect(reports[0]).toMatchObject({ ok: false, reason: OPTION_PROBE });
    expect(reports[1]).toMatchObject({ ok: true, windowsize: 4, blksize: 1468, retransmits: 0 });
  });

  it("goes lock-step when it asks for no window", async () => {
    const { port, reports } = await serve();
    const got = await firmwareTftpGet("127.0.0.1", "ipxe.efi", { windowsize: 1, port, resendMs: 100 });
    expect(got).toMatchObject({ bytes: FILE.length, windowsize: 1, acks: 1 + BLOCKS });
    await expect.poll(() => reports.length).toBe(2);
    expect(reports[1]).toMatchObject({ ok: true, windowsize: 1 });
  });

  it("takes the window the server grants, not the one it asked for", async () => {
    const { port } = await serve(2);
    const got = await firmwareTftpGet("127.0.0.1", "ipxe.efi", { windowsize: 4, port, resendMs: 100 });
    expect(got).toMatchObject({ bytes: FILE.length, windowsize: 2, acks: 1 + Math.ceil(BLOCKS / 2) });
  });

  it("repairs a block lost inside a window with one ACK of the last block in order", async () => {
    // Neither side times out within the test: only the reader's ACK of block 5 can repair the gap.
    const { port, reports } = await serve(undefined, 30_000);
    // Block 6 is lost once: 7 and 8 arrive out of order, the reader ACKs 5, the server resends from 6.
    const got = await firmwareTftpGet("127.0.0.1", "ipxe.efi", { windowsize: 4, port, keep: true, resendMs: 30_000, lose: (block, n) => block === 6 && n === 0 });
    expect(sha(got.data!)).toBe(sha(FILE));
    await expect.poll(() => reports.length).toBe(2);
    expect(reports[1]).toMatchObject({ ok: true });
  }, 5000);
});
