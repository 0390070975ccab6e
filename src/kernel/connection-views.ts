/**
 * The read-only views of connections that plugins get: one frozen view per connection, and the way
 * back from a view to its connection for the kernel alone (so a view can be bound by the handshake but
 * never used to reach the connection otherwise, and an object copied to look like one is refused).
 */
import { NDJSON_DIALECT, type Connection } from "../transport/transport.js";
import type { ConnectionView } from "./message-context.js";

/** Hands out one view per connection and remembers which connection each view stands for. */
export class ConnectionViews {
  private readonly views = new WeakMap<Connection, ConnectionView>();
  private readonly behind = new WeakMap<ConnectionView, Connection>();

  /** The read-only view of `connection`; the same object every time. */
  viewOf(connection: Connection): ConnectionView {
    let view = this.views.get(connection);
    if (!view) {
      view = Object.freeze({
        id: connection.id,
        direction: connection.direction,
        dialect: connection.dialect ?? NDJSON_DIALECT,
        provenPeerId: connection.provenPeerId,
        splitsReplies: connection.splitsReplies === true,
        remote: Object.freeze({ ...connection.remote }),
        get peerId() {
          return connection.peerId;
        },
        get closed() {
          return connection.closed;
        },
        stats: () => connection.stats(),
      });
      this.views.set(connection, view);
      this.behind.set(view, connection);
    }
    return view;
  }

  /** The connection behind a view handed out here, or undefined for anything else. */
  connectionBehind(view: ConnectionView): Connection | undefined {
    return this.behind.get(view);
  }
}
