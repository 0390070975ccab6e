/** The dispatcher: the table from `msg_type` to handlers, and the isolation of each handler's failures. */
import { inject, injectable } from "tsyringe";
import type { PayloadCheck, MessageHandler } from "./decorators.js";
import type { Envelope } from "../base/envelope.js";
import type { Logger } from "../base/logger.js";
import type { MessageContext } from "./message-context.js";
import { TOKENS } from "./tokens.js";

/** One registered handler. */
export interface HandlerEntry {
  readonly type: string;
  readonly handler: MessageHandler;
  /** Who registered it (a plugin name, or `ad-hoc`); named in logs when it fails. */
  readonly owner: string;
  readonly payload?: PayloadCheck;
}

/**
 * Maps message types to handlers and runs them. Unknown types are ignored with a debug log. A handler
 * that throws or rejects is logged with its owner and message type; other handlers, the connection and
 * the node go on. Handlers are not awaited one after another: one that never resolves blocks nothing.
 */
@injectable()
export class Dispatcher {
  private readonly table = new Map<string, HandlerEntry[]>();

  constructor(@inject(TOKENS.Logger) private readonly logger: Logger) {}

  /**
   * Registers a handler for a message type; returns the function that removes it.
   * `payload` checks `msg` first: a failing message is rejected and this handler not called.
   */
  on(type: string, handler: MessageHandler, options: { owner?: string; payload?: PayloadCheck } = {}): () => void {
    const entry: HandlerEntry = { type, handler, owner: options.owner ?? "ad-hoc", payload: options.payload };
    this.table.set(type, [...(this.table.get(type) ?? []), entry]);
    return () => {
      const rest = (this.table.get(type) ?? []).filter((e) => e !== entry);
      if (rest.length > 0) this.table.set(type, rest);
      else this.table.delete(type);
    };
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
      if (entry.payload) {
        const reason = entry.payload(envelope.msg);
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
  }

  private report(entry: HandlerEntry, context: MessageContext, error: unknown): void {
    this.logger.error("message handler failed", {
      plugin: entry.owner,
      type: entry.type,
      peer: context.peerId ?? context.connection.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
