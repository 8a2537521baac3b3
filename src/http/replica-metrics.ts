/**
 * Metrics of a replica on a shared index store, read at scrape time from the index manager: which version it serves
 * and which the store names (labels of gauges worth 1), how long it has been behind the store now, how long the
 * last switch to a version written elsewhere lagged, and how many such versions it switched to or failed to load.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReplicaStatus } from '../index/replica-sync.js';

/** Registers the replica metrics on `registry`; `status` undefined (an index double) leaves them empty. */
export function registerReplicaMetrics(registry: Registry, status: () => ReplicaStatus | undefined): void {
  const registers = [registry];
  new Gauge({
    name: 'rag_replica_index_version', help: 'The index version this replica serves, and the one the store names (value 1)',
    labelNames: ['replica', 'version', 'store_version'], registers,
    collect() {
      this.reset();
      const s = status();
      if (s?.serving) this.set({ replica: s.replica, version: s.serving, store_version: s.storeVersion ?? s.serving }, 1);
    },
  });
  new Gauge({
    name: 'rag_replica_behind_seconds', help: 'How long this replica has served another version than the store names (0: caught up)',
    registers,
    collect() {
      const since = status()?.behindSince;
      this.set(since === undefined ? 0 : Math.max(0, Date.now() - since) / 1000);
    },
  });
  new Gauge({
    name: 'rag_replica_follow_lag_seconds', help: 'From the store naming a version written by another replica to it serving here, for the last one',
    registers,
    collect() {
      this.set(status()?.lastLagSeconds ?? 0);
    },
  });
  const counter = (name: string, help: string, count: (s: ReplicaStatus) => number) => new Counter({
    name, help, registers,
    collect() {
      this.reset();
      const s = status();
      this.inc(s ? count(s) : 0);
    },
  });
  counter('rag_replica_versions_followed_total', 'Versions written by another replica that this one switched to',
    (s) => s.followed);
  counter('rag_replica_follow_failures_total',
    'Versions written by another replica that failed to load here (the previous one kept serving)', (s) => s.failures);
}
