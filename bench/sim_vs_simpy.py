"""The simulator's speed against SimPy on the same message-passing workload.

Workload (identical on both): 5 nodes; 50 request chains start at n1; every message is
delayed uniform(1, 10) ms and goes to a random peer, which replies; the reply makes its
receiver send the next request to a random peer. Each chain makes 4,000 deliveries, so a run
makes exactly 200,000 deliveries (checked).

dsworkbook runs as a learner has it: tracing on (every send and delivery recorded), the
default network with its fault checks, and a fault schedule applied (a GC pause and a clock
drift, which lose nothing, so the delivery count stays exact).

SimPy is written the usual way (the "Event Latency" example of its documentation): each node
is a process reading a Store inbox, each message is a process that sleeps for its delay and
then puts the message into the destination's Store; it records the same trace tuples.

Prints deliveries per second (median of 5 runs each, interleaved) and, last, ``ratio: X``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import simpy

from dsworkbook.sim import ClockDrift, FaultSchedule, Node, Pause, Simulation

NODES = [f"n{i}" for i in range(1, 6)]
CHAINS = 50
HOPS = 4_000  # deliveries per chain
DELIVERIES = CHAINS * HOPS


class ChainNode(Node):
    """Replies to requests; a reply triggers the next request to a random peer."""

    def on_start(self) -> None:
        if self.id == "n1":
            for chain in range(CHAINS):
                self.send(self.rng.choice(self.peers), ("req", chain, 1))

    def on_message(self, src: str, msg: tuple) -> None:
        kind, chain, hop = msg
        if hop == HOPS:
            return
        if kind == "req":
            self.send(src, ("rep", chain, hop + 1))
        else:
            self.send(self.rng.choice(self.peers), ("req", chain, hop + 1))


def run_dsworkbook(seed: int) -> float:
    sim = Simulation(seed=seed, latency=(1, 10))
    for n in NODES:
        sim.add_node(n, ChainNode)
    FaultSchedule([Pause(1_000, "n3", 50), ClockDrift(2_000, "n4", 0.01)]).apply_to(sim)
    start = time.perf_counter()
    sim.run()
    elapsed = time.perf_counter() - start
    delivered = sum(1 for r in sim.trace.records if r[1] == "deliver")
    assert delivered == DELIVERIES, delivered
    return delivered / elapsed


def run_simpy(seed: int) -> float:
    env = simpy.Environment()
    rng = random.Random(seed)
    inbox = {n: simpy.Store(env) for n in NODES}
    trace: list[tuple] = []

    def in_flight(src: str, dst: str, msg: tuple):
        yield env.timeout(rng.uniform(1, 10))
        inbox[dst].put((src, msg))

    def send(src: str, dst: str, msg: tuple) -> None:
        trace.append((env.now, "send", src, dst, msg))
        env.process(in_flight(src, dst, msg))

    def node(me: str):
        peers = [p for p in NODES if p != me]
        if me == "n1":
            for chain in range(CHAINS):
                send(me, rng.choice(peers), ("req", chain, 1))
        while True:
            src, (kind, chain, hop) = yield inbox[me].get()
            trace.append((env.now, "deliver", me, src, (kind, chain, hop)))
            if hop == HOPS:
                continue
            if kind == "req":
                send(me, src, ("rep", chain, hop + 1))
            else:
                send(me, rng.choice(peers), ("req", chain, hop + 1))

    for n in NODES:
        env.process(node(n))
    start = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - start
    delivered = sum(1 for r in trace if r[1] == "deliver")
    assert delivered == DELIVERIES, delivered
    return delivered / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"workload: {len(NODES)} nodes, {DELIVERIES:,} deliveries, uniform(1, 10) ms, seed {args.seed}, "
          f"median of {args.runs} interleaved runs")
    ours, theirs = [], []
    for i in range(args.runs):
        ours.append(run_dsworkbook(args.seed + i))
        theirs.append(run_simpy(args.seed + i))
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"dsworkbook: {a:,.0f} deliveries/s  (runs: {', '.join(f'{x:,.0f}' for x in ours)})")
    print(f"simpy:      {b:,.0f} deliveries/s  (runs: {', '.join(f'{x:,.0f}' for x in theirs)})")
    print(f"ratio: {a / b:.2f}")


if __name__ == "__main__":
    main()
