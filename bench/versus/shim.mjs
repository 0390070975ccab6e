// Node 20 lacks Promise.withResolvers (Node 22+), which parts of js-libp2p 2.x (it-queue, mortice) call.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
