/**
 * Which frames the chat shows as the replies to a `/send`. A reply is any frame that arrives on the
 * connection of a peer this node sent to with `/send` in the last `REPLY_WINDOW_MS`, whatever its type
 * (a plugin's answer has a type of its own, which this node may not handle), except the built-in
 * plugins' types: keepalive PINGs, peer exchanges, broadcasts and one-to-one messages are shown as they
 * always are, or not at all. At most `MAX_REPLIES_SHOWN` frames per `/send`: a peer that answers with a
 * flood cannot fill the screen. Each `/send` to the peer opens the window again.
 */
import type { Envelope } from "../base/envelope.js";

/** How long after a `/send` the frames from its peer count as replies. */
export const REPLY_WINDOW_MS = 10_000;

/** The most frames shown as replies to one `/send`. */
export const MAX_REPLIES_SHOWN = 64;

interface Window {
  until: number;
  left: number;
}

/** The open reply windows, one per peer sent to. */
export class ReplyWatch {
  private readonly windows = new Map<string, Window>();

  constructor(
    /** Whether a type is a built-in plugin's (never a reply). */
    private readonly reserved: (type: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens (or reopens) the window of the peer a `/send` just went to. */
  expect(peerId: string): void {
    const now = this.now();
    // Bounded by the peers sent to within one window: the expired ones go here.
    for (const [id, window] of this.windows) if (window.until < now) this.windows.delete(id);
    this.windows.set(peerId, { until: now + REPLY_WINDOW_MS, left: MAX_REPLIES_SHOWN });
  }

  /** Whether the frame, which arrived on the connection of `peerId`, is a reply to be shown. */
  isReply(envelope: Envelope, peerId: string | undefined): boolean {
    if (peerId === undefined || this.windows.size === 0) return false;
    const window = this.windows.get(peerId);
    if (!window) return false;
    if (window.until < this.now()) {
      this.windows.delete(peerId);
      return false;
    }
    if (window.left === 0 || this.reserved(envelope.msg_type)) return false;
    window.left -= 1;
    return true;
  }
}
