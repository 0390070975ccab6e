/** The dispatcher: the table from `msg_type` to handlers, and the isolation of each handler's failures. */
import { checkPayload, type ContextFor, type HandlerOptions, type MessageHandler, type PayloadValidator, type TypedHandler } from "./decorators.js";
import type { Envelope } from "../base/envelope.js";
import { errorMessage } from "../base/error-message.js";
import type { Logger } from "../base/logger.js";
import type { MessageContext } from "./message-context.js";

/** A plugin's test for a signed message it already has: its id, and the signature this copy carries. */
export type KnownTest = (id: string, sig: string) => boolean;

/** One registered handler. */
export interface HandlerEntry {
  readonly type: string;
  readonly handler: MessageHandler;
  /** Who registered it (a plugin name, or `ad-hoc`); named in logs when it fails. */
  readonly owner: string;
  readonly payload?: PayloadValidator;
  /** Whether messages before the handshake are rejected instead of handled. */
  readonly requirePeer: boolean;
}

/** Options of `Dispatcher.on`. */
export interface DispatcherOnOptions<T, R extends boolean> extends HandlerOptions<T, R> {
  /** Who registers it, named in logs; default `ad-hoc`. */
  owner?: string;
}

/**
 * Maps message types to handlers and runs them. Unknown types are ignored with a debug log. A handler
 * that throws or rejects is logged with its owner and message type; other handlers, the connection and
 * the node go on. Handlers are not awaited one after another: one that never resolves blocks nothing.
 */
export class Dispatcher {
  private readonly table = new Map<string, HandlerEntry[]>();
  /** Per message type, the tests for signed messages their owners already have (`onKnown`), by owner. */
  private readonly known = new Map<string, Map<string, KnownTest>>();

  constructor(private readonly logger: Logger) {}

  /**
   * Registers a handler for a message type; returns the function that removes it. `requirePeer` rejects
   * the type before the handshake; `payload` checks `msg` next. Either way a refused message is rejected
   * (a bad frame of its connection) and this handler not called.
   */
  on<T = unknown, R extends boolean = false>(type: string, handler: TypedHandler<T, ContextFor<R>>, options: DispatcherOnOptions<T, R> = {}): () => void {
    const entry: HandlerEntry = {
      type,
      handler: handler as MessageHandler,
      owner: options.owner ?? "ad-hoc",
      payload: options.payload as PayloadValidator | undefined,
      requirePeer: options.requirePeer === true,
    };
    this.table.set(type, [...(this.table.get(type) ?? []), entry]);
    return () => {
      const rest = (this.table.get(type) ?? []).filter((e) => e !== entry);
      if (rest.length > 0) this.table.set(type, rest);
      else this.table.delete(type);
    };
  }

  /**
   * Registers `owner`'s test for signed messages of `type` it already has and needs no more of. A frame
   * whose id a test knows is dropped by its connection before its signed text is parsed, and reaches no
   * handler of the type: so only while every handler of the type belongs to an owner that registered a
   * test (an ad-hoc handler, or another plugin's, keeps seeing every copy). Returns the function that
   * removes it.
   */
  onKnown(type: string, isKnown: KnownTest, owner: string = "ad-hoc"): () => void {
    let tests = this.known.get(type);
    if (tests === undefined) {
      tests = new Map();
      this.known.set(type, tests);
    }
    tests.set(owner, isKnown);
    return () => {
      const current = this.known.get(type);
      if (current?.get(owner) !== isKnown) return;
      current.delete(owner);
      if (current.size === 0) this.known.delete(type);
    };
  }

  /**
   * Whether a signed message of `type` with this id may be dropped unparsed: a test registered for the
   * type knows it, and every handler of the type has an owner that registered one (`onKnown`). Never
   * throws: a test that throws knows nothing.
   */
  isKnown(type: string, id: string, sig: string): boolean {
    const tests = this.known.get(type);
    if (tests === undefined) return false;
    for (const entry of this.table.get(type) ?? []) if (!tests.has(entry.owner)) return false;
    try {
      for (const test of tests.values()) if (test(id, sig)) return true;
    } catch (error) {
      this.logger.error("a known-message test failed; the frame is parsed and handled in full", { type, error: errorMessage(error) });
    }
    return false;
  }

  /** The message types that have at least one handler, sorted. */
  types(): string[] {
    return [...this.table.keys()].sort();
  }

  /** The handlers of one type, in registration order. */
  handlers(type: string): readonly HandlerEntry[] {
    return this.table.get(type) ?? [];
  }

  /** Runs every handler of the envelope's type. Never throws. */
  dispatch(envelope: Envelope, context: MessageContext): void {
    const entries = this.table.get(envelope.msg_type);
    if (!entries) {
      this.logger.debug("ignored message of unknown type", { type: envelope.msg_type, peer: context.peerId });
      return;
    }
    for (const entry of entries) {
      if (entry.requirePeer && context.peerId === undefined) {
        context.reject(`${envelope.msg_type} before the handshake`);
        continue;
      }
      if (entry.payload) {
        const reason = checkPayload(entry.payload, envelope.msg);
        if (reason !== undefined) {
          context.reject(`${envelope.msg_type} payload: ${reason}`);
          continue;
        }
      }
      try {
        const result = entry.handler(envelope, context);
        if (result instanceof Promise) result.catch((error: unknown) => this.report(entry, context, error));
      } catch (error) {
        this.report(entry, context, error);
      }
    }
  }

  /** Removes every handler (at shutdown). */
  clear(): void {
    this.table.clear();
    this.known.clear();
  }

  private report(entry: HandlerEntry, context: MessageContext, error: unknown): void {
    this.logger.error("message handler failed", {
      plugin: entry.owner,
      type: entry.type,
      peer: context.peerId ?? context.connection.id,
      error: errorMessage(error),
    });
  }
}
