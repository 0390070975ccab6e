/** Which neighbours get full copies (eager) and which get ids (lazy), one tree per originator. */

/** Most originators whose trees are kept; the least recently used is dropped (its next message floods once). */
export const MAX_TREES = 1024;

interface Tree {
  /** Out-links: the neighbours this node pushes the originator's messages to. */
  eager: Set<string>;
  /** Out-links: the neighbours this node only announces the originator's messages to. */
  lazy: Set<string>;
  /** In-links cut: the neighbours this node asked (PRUNE) to stop pushing the originator's messages to it. */
  pruned: Set<string>;
}

/**
 * The links of each originator's broadcast tree, as this node sees them. A tree per originator (as in
 * Riak's Plumtree) rather than one shared by all: a duplicate from one originator prunes only that
 * originator's tree, so messages from several originators in flight at once cannot prune each other's
 * paths. A new originator's tree starts with every neighbour eager and no in-link cut.
 *
 * Each end of a link decides only what it receives: a node cuts an in-link by PRUNE (the other end
 * then moves it to lazy) and restores one by GRAFT (the other end moves it back to eager).
 */
export class TreeLinks {
  private readonly neighbours = new Set<string>();
  /** Neighbours that asked to be lazy in every tree (PRUNE without a root), new trees included. */
  private readonly lazyEverywhere = new Set<string>();
  private readonly trees = new Map<string, Tree>();

  /** A neighbour came up: eager in every tree. */
  add(peerId: string): void {
    this.neighbours.add(peerId);
    for (const tree of this.trees.values()) {
      tree.lazy.delete(peerId);
      tree.pruned.delete(peerId);
      tree.eager.add(peerId);
    }
  }

  /** A neighbour went down: gone from every tree. */
  remove(peerId: string): void {
    this.neighbours.delete(peerId);
    this.lazyEverywhere.delete(peerId);
    for (const tree of this.trees.values()) {
      tree.eager.delete(peerId);
      tree.lazy.delete(peerId);
      tree.pruned.delete(peerId);
    }
  }

  /**
   * Marks `root`'s tree most recently used, making it when there is none (every neighbour eager, but
   * those lazy everywhere), and returns its out-links: where a message of `root` goes.
   */
  touch(root: string): { readonly eager: ReadonlySet<string>; readonly lazy: ReadonlySet<string> } {
    return this.touchTree(root);
  }

  /** `root`'s out-links and cut in-links, without making or touching its tree (for inspection). */
  peek(root: string): { eager: string[]; lazy: string[]; pruned: string[] } {
    const tree = this.trees.get(root);
    if (tree !== undefined) return { eager: [...tree.eager], lazy: [...tree.lazy], pruned: [...tree.pruned] };
    const neighbours = [...this.neighbours];
    return { eager: neighbours.filter((p) => !this.lazyEverywhere.has(p)), lazy: neighbours.filter((p) => this.lazyEverywhere.has(p)), pruned: [] };
  }

  /** Pushes `root`'s messages to the neighbour again (it sent GRAFT). */
  makeEager(root: string, peerId: string): void {
    if (!this.neighbours.has(peerId)) return;
    const tree = this.touchTree(root);
    tree.lazy.delete(peerId);
    tree.eager.add(peerId);
  }

  /** Only announces `root`'s messages to the neighbour (it sent PRUNE); every originator's, those to come included, when `root` is undefined. */
  makeLazy(root: string | undefined, peerId: string): void {
    if (!this.neighbours.has(peerId)) return;
    if (root === undefined) this.lazyEverywhere.add(peerId);
    const trees = root === undefined ? this.trees.values() : [this.touchTree(root)];
    for (const tree of trees) {
      tree.eager.delete(peerId);
      tree.lazy.add(peerId);
    }
  }

  /** Records that this node asked the neighbour to stop pushing `root`'s messages (PRUNE sent). */
  cut(root: string, peerId: string): void {
    if (this.neighbours.has(peerId)) this.touchTree(root).pruned.add(peerId);
  }

  /** Records that the neighbour pushes `root`'s messages again (it answered a GRAFT). */
  restore(root: string, peerId: string): void {
    this.trees.get(root)?.pruned.delete(peerId);
  }

  /** Whether this node asked the neighbour to stop pushing `root`'s messages. */
  isCut(root: string, peerId: string): boolean {
    return this.trees.get(root)?.pruned.has(peerId) ?? false;
  }

  /** How many trees are kept. */
  get size(): number {
    return this.trees.size;
  }

  /** Forgets every neighbour and tree. */
  clear(): void {
    this.neighbours.clear();
    this.lazyEverywhere.clear();
    this.trees.clear();
  }

  /** `root`'s tree, created with every neighbour eager (but those lazy everywhere), and marked most recently used. */
  private touchTree(root: string): Tree {
    let tree = this.trees.get(root);
    if (tree !== undefined) {
      this.trees.delete(root);
    } else {
      const neighbours = [...this.neighbours];
      tree = {
        eager: new Set(neighbours.filter((p) => !this.lazyEverywhere.has(p))),
        lazy: new Set(neighbours.filter((p) => this.lazyEverywhere.has(p))),
        pruned: new Set(),
      };
      if (this.trees.size >= MAX_TREES) this.trees.delete(this.trees.keys().next().value!);
    }
    this.trees.set(root, tree);
    return tree;
  }
}
