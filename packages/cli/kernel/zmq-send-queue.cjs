'use strict';
/**
 * Preloaded into the tslab kernel (the kernelspec's argv: `node --require <this file> tslab kernel ...`).
 *
 * tslab (1.0.22) sends every output of a cell with `sock.send(...)` on zeromq.js 6 sockets and ignores what it returns.
 * zeromq.js 6.8.0 answers the first 512 sends synchronously, then delays one to let the event loop run, and a send
 * made while that one waits THROWS "Socket is busy writing; only one send operation may be in progress at any time"
 * (EBUSY): src/socket.cc, `max_sync_operations = 1U << 9U` (line 25), the EBUSY throw (lines 641-646), the
 * synchronous path that counts (line 679); the count is reset only when a delayed send runs (line 1048). On the
 * iopub socket, which is never read, that is every 513th output of the kernel's life: when the next output follows in
 * the same tick (two displays in a row), the cell fails, and tslab's report of the error is lost the same way. This is
 * how notebook 07's standard runs failed with no error text (a fixture notebook with 600 displays reproduces it).
 *
 * The fix: a send that finds the socket busy is queued, in order, behind it; later sends join the queue until it is
 * drained, one send at a time, each after the one before has gone. Nothing is dropped; nothing else changes.
 *
 * The second loss is ZeroMQ's own: a PUB socket DROPS, silently, any message sent while its queue for a subscriber
 * holds the high-water mark (ZMQ_SNDHWM, default 1000 messages, zmq_setsockopt(3); zmq_socket(3): "ZMQ_PUB ... the
 * message shall be dropped"). When the notebook runner reads iopub more slowly than a cell writes (a busy machine,
 * 1,200 displays in one tick), outputs in the middle of the cell vanished (CI, 6 Dec 2026: lines 995-1019 of 1,200).
 * The iopub Publisher is given no high-water mark (0 = no limit) before it binds, so it queues instead of dropping.
 */
const fs = require('node:fs');
const zmq = require('zeromq');

const queues = new WeakMap();
const isBusy = (error) => error !== null && typeof error === 'object' && error.code === 'EBUSY';
const report = (error) => {
  try {
    // Not process.stderr: tslab routes it back to the iopub socket.
    fs.writeSync(2, `casebook kernel: a message to the notebook was lost: ${error && error.message ? error.message : String(error)}\n`);
  } catch {
    // nowhere to report
  }
};

function patch(SocketClass) {
  const send = SocketClass.prototype.send;
  if (typeof send !== 'function' || send.casebookQueued === true) return;

  const drain = (socket, queue) =>
    new Promise((resolve) => {
      const step = () => {
        while (queue.length > 0) {
          let sent;
          try {
            sent = send.call(socket, queue[0]);
          } catch (error) {
            if (isBusy(error)) {
              setImmediate(step);
              return;
            }
            queue.shift();
            report(error);
            continue;
          }
          queue.shift();
          if (sent !== undefined && sent !== null && typeof sent.then === 'function') {
            sent.then(step, (error) => {
              report(error);
              step();
            });
            return;
          }
        }
        queues.delete(socket);
        resolve();
      };
      setImmediate(step);
    });

  const queued = function (message) {
    const queue = queues.get(this);
    if (queue !== undefined) {
      queue.push(message);
      return queue.done;
    }
    try {
      return send.call(this, message);
    } catch (error) {
      if (!isBusy(error)) throw error;
      const fresh = [message];
      queues.set(this, fresh);
      fresh.done = drain(this, fresh);
      return fresh.done;
    }
  };
  queued.casebookQueued = true;
  // An own property: the native Socket.prototype.send it shadows is read-only.
  Object.defineProperty(SocketClass.prototype, 'send', { value: queued, writable: true, configurable: true });
}

function unboundedQueue(PublisherClass) {
  const bind = PublisherClass.prototype.bind;
  if (typeof bind !== 'function' || bind.casebookUnbounded === true) return;
  const unbounded = function (address) {
    this.sendHighWaterMark = 0;
    return bind.call(this, address);
  };
  unbounded.casebookUnbounded = true;
  Object.defineProperty(PublisherClass.prototype, 'bind', { value: unbounded, writable: true, configurable: true });
}

patch(zmq.Publisher);
patch(zmq.Router);
unboundedQueue(zmq.Publisher);
