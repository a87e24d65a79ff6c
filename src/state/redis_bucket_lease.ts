/**
 * @module redis_bucket_lease
 * A token bucket held by the cluster (docs/cluster.md, "Buckets"): one hash
 * per limit in Redis, refilled by elapsed time inside a Lua script that
 * grants at most what is there, and on each replica a {@link LeasedBucket}
 * that spends synchronously from a small lease of the cluster's tokens, so
 * the request path never waits on Redis. While Redis is away the bucket
 * serves this replica's share of the limit from a local TokenBucket, and
 * settles with the cluster when Redis is back (docs/cluster.md, "Outage").
 */
import type { Redis } from "ioredis";
import { TokenBucket } from "../engine/token_bucket.ts";
import type { LocalBucket } from "./shared_state.ts";

/**
 * KEYS[1] `<prefix>bucket:<owner>:<id>:<limit>`, a hash: `tokens` (may be
 *   fractional, and negative while a charge is paid back) and `at`, the
 *   instant they were counted (ms).
 * ARGV: capacity, refill per second, want (whole tokens to lease), debit
 *   (tokens to charge; negative: tokens given back), least and most (empty,
 *   or the bounds the bucket is brought within after the debit, when a
 *   replica settles an outage: see {@link LeasedBucket}), margin (ms the
 *   hash outlives a full refill).
 *
 * Returns `{granted, tokens}`: the tokens leased (at most `want`, at most
 * what is there) and what the bucket holds after, as a string (a Lua number
 * returned as such would be cut to an integer).
 *
 * A missing hash is a full bucket, so a bucket idle for longer than a full
 * refill can simply expire. Capacity and refill come with every call, so an
 * edit of the limit takes effect on every replica's next call.
 */
export const LEASE_TOKENS_LUA = `
local key = KEYS[1]
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local want, debit = tonumber(ARGV[3]), tonumber(ARGV[4])
local least, most = tonumber(ARGV[5]), tonumber(ARGV[6])
local margin = tonumber(ARGV[7])
-- Redis's clock, not the caller's: every replica's tokens are refilled by
-- one clock, so a replica whose clock runs ahead (or jumps) cannot refill
-- the bucket faster than the limit, and elapsed time is never counted twice.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local held = redis.call('HMGET', key, 'tokens', 'at')
local tokens, at = tonumber(held[1]), tonumber(held[2])
if tokens == nil or at == nil then tokens, at = capacity, now end
if now > at then
  tokens = tokens + (now - at) / 1000 * rate
  at = now
end
tokens = math.min(tokens, capacity)
local after = math.min(capacity, tokens - debit)
if most ~= nil and after > most then after = most end
-- The lower bound stops a charge; it never adds tokens the bucket had not.
if least ~= nil and after < least then after = math.max(after, math.min(tokens, least)) end
tokens = after
local granted = 0
if want > 0 and tokens >= 1 then granted = math.min(want, math.floor(tokens)) end
tokens = tokens - granted
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(at))
if rate > 0 then
  redis.call('PEXPIRE', key, math.ceil((capacity - tokens) / rate * 1000) + margin)
else
  redis.call('PERSIST', key)
end
return {granted, tostring(tokens)}
`;

const LEASE = "sidecarLeaseTokens";

/** How long a bucket's hash outlives the moment it would be full again. */
const MARGIN_MS = 5_000;

/** The script as ioredis's `defineCommand` adds it (EVALSHA, EVAL when Redis does not know it yet). */
interface LeaseCommand {
  [LEASE](key: string, ...args: (string | number)[]): Promise<[number, string]>;
}

/** One call of the lease script. */
export interface LeaseCall {
  /** Whole tokens to lease. */
  want: number;
  /** Tokens to charge first; negative: tokens given back. */
  debit: number;
  /** When settling an outage: the bounds the cluster's tokens are brought within after the debit. */
  bounds?: { least: number; most: number };
}

/** What the lease script answered. */
export interface LeaseReply {
  granted: number;
  /** The cluster's tokens after the call. */
  tokens: number;
}

/** Runs the lease script on `key`: what {@link BucketLink.lease} is made of. */
export type LeaseScript = (
  key: string,
  capacity: number,
  refillPerSecond: number,
  call: LeaseCall,
) => Promise<LeaseReply>;

/** Adds the lease script to `client` and returns its caller. */
export function defineLeaseScript(client: Redis): LeaseScript {
  client.defineCommand(LEASE, { numberOfKeys: 1, lua: LEASE_TOKENS_LUA });
  const commands = client as Redis & LeaseCommand;
  return async (key, capacity, refillPerSecond, call) => {
    const [granted, tokens] = await commands[LEASE](
      key,
      capacity,
      refillPerSecond,
      call.want,
      call.debit,
      call.bounds?.least ?? "",
      call.bounds?.most ?? "",
      MARGIN_MS,
    );
    return { granted, tokens: Number(tokens) };
  };
}

/** What a {@link LeasedBucket} needs of the cluster (wired in redis_limits.ts). */
export interface BucketLink {
  /** True while Redis answers, as the connection says. */
  readonly up: boolean;
  /** The replicas last seen alive, at least 1: what the limit is divided by while Redis is away. */
  replicasAlive(): number;
  /** Runs the lease script on this bucket's key. */
  lease(capacity: number, refillPerSecond: number, call: LeaseCall): Promise<LeaseReply>;
  /** Epoch ms, for answers that arrive between the registry's calls. */
  now(): number;
}

/**
 * The share of the capacity leased at a time, by all the replicas together:
 * each holds at most this over the replicas alive (at least one token), so
 * the tokens held in leases (spendable while the cluster's bucket refills)
 * stay within a few percent of the limit.
 */
const LEASE_SHARE = 0.02;

/** After a failed call while the connection says up, the next attempt to settle waits this long. */
const SETTLE_RETRY_MS = 1_000;

/** While Redis is away: this replica's share of the limit, and what to settle when it is back. */
interface Outage {
  /** Capacity and refill divided by the replicas alive when Redis went away. */
  local: TokenBucket;
  replicas: number;
  /** Tokens taken or charged here since. */
  spent: number;
  /** Tokens taken from the cluster and not spent when it went away (the lease, less what was owed). */
  credit: number;
  /** When Redis went away, and the cluster's tokens then as last seen (the capacity if never seen). */
  startedAt: number;
  clusterAtStart: number;
  /** No attempt to settle before this instant. */
  retryAt: number;
}

/**
 * A {@link LocalBucket} whose tokens come from the cluster's bucket in
 * small leases. Spending is synchronous, from the lease; the lease is
 * topped up behind the request path when it runs low (one call at a time,
 * carrying the charges made meanwhile), and what is left of it goes back
 * to the cluster on {@link close} or when a smaller limit makes it too big.
 *
 * While Redis is away it serves from a local TokenBucket holding this
 * replica's share: capacity and refill divided by the replicas last seen
 * alive, starting from its share of the tokens the cluster last held (full
 * when it never answered, as for a replica started during the outage). When
 * Redis is back, one call settles: the tokens spent here less the lease
 * held when it went away are charged, and the cluster's bucket is brought
 * within what the replicas' own buckets can hold together: at most this
 * one's level plus the others' shares of the cluster's tokens at the start
 * (refilled since, as if they had spent nothing), and not below zero (nor
 * below this one's tpm debt). So a Redis that restarted empty (every bucket
 * full again) gives no second burst, and a long outage, through which the
 * bucket in Redis refilled, does not become a debt that refuses traffic for
 * as long again.
 */
export class LeasedBucket implements LocalBucket {
  readonly #link: BucketLink;
  #capacity: number;
  #rate: number;
  /** Whole tokens in hand, spent without asking anyone. */
  #lease = 0;
  /** Tokens to charge to the cluster with the next call (negative: to give back). */
  #owed = 0;
  #calling: Promise<void> | undefined;
  /** The cluster's tokens as the last answer said, and when (local clock). */
  #seen: { tokens: number; at: number } | undefined;
  /** The cluster was dry: no new lease asked for before this instant. */
  #nextAt = 0;
  /** The last call's round trip, ms: how soon a lease on its way arrives. */
  #rttMs = 1;
  #outage: Outage | undefined;
  #closed = false;

  constructor(link: BucketLink, capacity: number, refillPerSecond: number, now: number) {
    this.#link = link;
    this.#capacity = capacity;
    this.#rate = refillPerSecond;
    this.sync(now);
  }

  /**
   * Tokens this replica may spend now: the lease less what is owed, or its
   * share while Redis is away. It catches up with the link like the other
   * calls, so a caller that decides on it alone (a tpm check) still gets
   * its lease topped up.
   */
  available(now: number): number {
    this.sync(now);
    return this.#outage ? this.#outage.local.available(now) : this.#lease - this.#owed;
  }

  tryTake(now: number, n = 1): boolean {
    this.sync(now);
    const o = this.#outage;
    if (o) {
      if (!o.local.tryTake(now, n)) return false;
      o.spent += n;
      return true;
    }
    if (this.#lease < n) {
      this.#topUp(now, n);
      return false;
    }
    this.#lease -= n;
    this.#topUp(now, 1);
    return true;
  }

  /** Debits the lease, and beyond it the cluster's bucket, with the next call. */
  charge(now: number, n: number): void {
    this.sync(now);
    const o = this.#outage;
    if (o) {
      o.local.charge(now, n);
      o.spent += n;
      return;
    }
    const fromLease = Math.min(this.#lease, n);
    this.#lease -= fromLease;
    this.#owed += n - fromLease;
    this.#topUp(now, 1);
  }

  /**
   * 0 while the lease holds `n`. Otherwise: when the cluster (as last seen,
   * refilled since) has them, one round trip, the time the lease on its way
   * takes; when it has not, the time for the cluster to refill this
   * replica's share of them, the refill being shared by the replicas alive.
   * So the router's readyAt and a client's Retry-After stay truthful.
   */
  msUntil(now: number, n = 1): number {
    this.sync(now);
    if (this.#outage) return this.#outage.local.msUntil(now, n);
    if (this.#lease >= n) return 0;
    if (n > this.#capacity) return Infinity;
    this.#topUp(now, n);
    const need = n - this.#lease;
    const cluster = this.#clusterTokens(now) - this.#owed;
    if (cluster >= need) return this.#rttMs;
    if (this.#rate <= 0) return Infinity;
    return Math.ceil(((this.#link.replicasAlive() * need - cluster) / this.#rate) * 1000);
  }

  /** The top-up in flight, when the cluster (as last seen, refilled since) holds the `n` tokens missing from the lease. */
  arriving(now: number, n = 1): Promise<void> | undefined {
    if (this.#outage || !this.#calling || this.#lease >= n) return undefined;
    return this.#clusterTokens(now) - this.#owed >= n - this.#lease ? this.#calling : undefined;
  }

  /**
   * New capacity and refill, sent with every call from now on. A lease
   * bigger than the new limit allows goes back in part; during an outage
   * this replica's share is recomputed.
   */
  reconfigure(capacity: number, refillPerSecond: number, now: number): void {
    if (capacity === this.#capacity && refillPerSecond === this.#rate) return;
    this.#capacity = capacity;
    this.#rate = refillPerSecond;
    this.#nextAt = 0;
    const o = this.#outage;
    if (o) {
      o.local.reconfigure(capacity / o.replicas, refillPerSecond / o.replicas, now);
      return;
    }
    const size = this.#leaseSize();
    if (this.#lease > size) {
      this.#owed -= this.#lease - size;
      this.#lease = size;
    }
    this.sync(now);
  }

  /**
   * Catches up with the link: goes local when Redis is away, settles with
   * the cluster when it is back, tops the lease up when it runs low. Every
   * spending call does this; the wiring also calls it when Redis comes back,
   * so an idle bucket's outage is settled at once.
   */
  sync(now: number): void {
    if (this.#closed) return;
    const o = this.#outage;
    if (o) {
      if (this.#link.up && !this.#calling && now >= o.retryAt) this.#settle(now, o);
    } else if (!this.#link.up) this.#goLocal(now, now);
    else this.#topUp(now, 1);
  }

  /**
   * Gives back what is left of the lease (or settles an outage) and stops
   * asking for more. What a bucket closed while Redis is away holds comes
   * back to the cluster with its refill.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#calling;
    if (!this.#link.up) return;
    const o = this.#outage;
    const call = o
      ? this.#settleCall(this.#link.now(), o, 0)
      : { want: 0, debit: this.#owed - this.#lease };
    this.#lease = 0;
    this.#owed = 0;
    if (o || call.debit !== 0) {
      await this.#link.lease(this.#capacity, this.#rate, call).catch(() => {});
    }
  }

  /** A lease: a share of 2% of the capacity over the replicas alive, at least one token. */
  #leaseSize(): number {
    return Math.max(1, Math.floor((this.#capacity * LEASE_SHARE) / this.#link.replicasAlive()));
  }

  /** The cluster's tokens at `now`, as last seen and refilled since. */
  #clusterTokens(now: number): number {
    const seen = this.#seen;
    if (!seen) return this.#capacity;
    const refilled = seen.tokens + (this.#rate * Math.max(0, now - seen.at)) / 1000;
    return Math.min(this.#capacity, refilled);
  }

  /** Asks for a lease when this one is low (unless the cluster was dry), or sends what is owed. */
  #topUp(now: number, n: number): void {
    if (this.#calling || this.#outage || this.#closed) return;
    const size = Math.max(this.#leaseSize(), n);
    const low = this.#lease < n || this.#lease <= Math.floor(size / 2);
    const want = low && now >= this.#nextAt ? size - this.#lease : 0;
    if (want <= 0 && this.#owed === 0) return;
    const call = { want, debit: this.#owed };
    this.#owed = 0;
    this.#send(call, (reply, at) => {
      // Redis went away while the call was out: what it brought is part of what the outage settles.
      if (this.#outage) this.#outage.credit += reply.granted;
      else this.#lease += reply.granted;
      // Fewer than asked: the cluster has less than a token left, so ask
      // again when its refill should have made one.
      if (reply.granted < want) {
        this.#nextAt = this.#rate > 0
          ? at + Math.ceil(((1 - reply.tokens) / this.#rate) * 1000)
          : Infinity;
      }
      this.sync(at);
    }, (at) => {
      // The debit may have been applied: charged twice rather than never.
      if (this.#outage) this.#outage.credit -= call.debit;
      else {
        this.#owed += call.debit;
        this.#goLocal(at, at + SETTLE_RETRY_MS);
      }
    });
  }

  /** Serves this replica's share of the limit from here on (see the class note). */
  #goLocal(now: number, retryAt: number): void {
    const replicas = this.#link.replicasAlive();
    const credit = this.#lease - this.#owed;
    const local = new TokenBucket(this.#capacity / replicas, this.#rate / replicas, now);
    const clusterAtStart = this.#clusterTokens(now);
    if (this.#seen) {
      const share = clusterAtStart / replicas + credit;
      local.charge(now, local.capacity - Math.min(local.capacity, share));
    }
    this.#outage = {
      local,
      replicas,
      spent: 0,
      credit,
      startedAt: now,
      clusterAtStart,
      retryAt,
    };
    this.#lease = 0;
    this.#owed = 0;
  }

  /** Settles the outage and takes a new lease, in one call; spending goes on locally until it is answered. */
  #settle(now: number, o: Outage): void {
    const spent = o.spent;
    this.#send(this.#settleCall(now, o, this.#leaseSize()), (reply, at) => {
      this.#outage = undefined;
      this.#lease = reply.granted;
      this.#owed = o.spent - spent;
      this.sync(at);
    }, (at) => {
      o.retryAt = at + SETTLE_RETRY_MS;
    });
  }

  #settleCall(now: number, o: Outage, want: number): LeaseCall {
    const level = o.local.available(now);
    const refilled = o.clusterAtStart + (this.#rate * Math.max(0, now - o.startedAt)) / 1000;
    const others = ((o.replicas - 1) / o.replicas) * Math.min(this.#capacity, refilled);
    return {
      want,
      debit: o.spent - o.credit,
      bounds: { least: Math.min(0, level), most: level + Math.max(0, others) },
    };
  }

  /** One call at a time; the answer updates what the cluster was seen to hold. */
  #send(
    call: LeaseCall,
    answered: (reply: LeaseReply, at: number) => void,
    failed: (at: number) => void,
  ): void {
    const sent = this.#link.now();
    this.#calling = this.#link.lease(this.#capacity, this.#rate, call).then((reply) => {
      const at = this.#link.now();
      this.#calling = undefined;
      this.#rttMs = Math.max(1, at - sent);
      this.#seen = { tokens: reply.tokens, at };
      answered(reply, at);
    }, () => {
      this.#calling = undefined;
      failed(this.#link.now());
    });
  }
}
