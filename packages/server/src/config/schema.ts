import { SafetyConfig } from '@haven/safety';
import { z } from 'zod';
import { DEFAULT_SUITE, SUITE_NAMES } from '@haven/crypto';

// Every setting of a Haven server, with its default. Unknown keys are refused: a typo in a config file
// must stop the server, not be silently ignored.

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const Bucket = z
  .object({
    /** Requests allowed at once. */
    burst: z.number().int().min(1).max(1_000_000),
    /** Requests added back per minute. */
    perMinute: z.number().min(0).max(1_000_000),
  })
  .strict();

export const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Trust X-Forwarded-For (behind a reverse proxy) for rate limits. */
        trustProxy: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Where the embedded database and the message key live. */
    dataDir: z.string().min(1).default('./data'),
    database: z
      .object({
        /** postgres://… to use PostgreSQL; unset for the embedded PGlite database in <dataDir>/db. */
        url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional(),
        poolSize: z.number().int().min(1).max(200).default(10),
        /** Send contexts a node keeps in memory, told of changes by the database (0: every send reads its own). */
        sendContextCacheSize: z.number().int().min(0).max(10_000_000).default(50_000),
      })
      .strict()
      .prefault({}),
    nats: z
      .object({ url: z.string().regex(/^(nats|tls):\/\//, 'a nats:// or tls:// URL').optional() })
      .strict()
      .prefault({}),
    log: z.object({ level: LogLevel.default('info') }).strict().prefault({}),
    /** `GET /metrics` in Prometheus format (counts and timings only, never content or ids). */
    metrics: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
    limits: z
      .object({
        bodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        frameBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        messageBytes: z.number().int().min(1).max(16 * 1024 * 1024).default(256 * 1024),
        groupMembers: z.number().int().min(2).max(10_000).default(256),
        /** Bytes queued for a WebSocket client that does not read before it is cut off (it resumes from its cursor). */
        connectionBufferBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({ ttlSeconds: z.number().int().min(60).max(365 * 24 * 3600).default(30 * 24 * 3600) })
      .strict()
      .prefault({}),
    rateLimits: z
      .object({
        register: Bucket.default({ burst: 10, perMinute: 10 }),
        login: Bucket.default({ burst: 20, perMinute: 20 }),
        /**
         * Per account, whatever the address (issue 13): after `freeFailures` wrong passwords each further
         * attempt waits twice as long (from `baseDelaySeconds`, at most `maxDelaySeconds`) and is refused
         * unchecked meanwhile. Addresses the account signed in from within `knownSourceDays` are exempt, so
         * an attacker cannot lock the owner out; sessions already open are never affected.
         */
        loginAccount: z
          .object({
            freeFailures: z.number().int().min(1).max(1000).default(5),
            baseDelaySeconds: z.number().min(0).max(3600).default(2),
            maxDelaySeconds: z.number().min(0).max(24 * 3600).default(300),
            knownSourceDays: z.number().int().min(0).max(365).default(30),
          })
          .strict()
          .prefault({}),
        /** Per account: group creation, member adds and invite links. */
        groups: Bucket.default({ burst: 20, perMinute: 20 }),
        /** Per account: contact requests. */
        contactRequests: Bucket.default({ burst: 30, perMinute: 20 }),
        /** Per account: reports and device detection reports. */
        reports: Bucket.default({ burst: 30, perMinute: 20 }),
      })
      .strict()
      .prefault({}),
    /** WebSocket limits (issue 13): all per node. */
    websocket: z
      .object({
        /** Largest frame before `hello` succeeds (a hello is ~100 bytes); bigger → close 1009 before it is buffered. */
        preAuthFrameBytes: z.number().int().min(256).max(1024 * 1024).default(4096),
        /** Frames one connection may send: a burst, refilled per minute; past it → `connection.rate_limited`. */
        connection: Bucket.default({ burst: 200, perMinute: 6000 }),
        /** Frames all connections of one account may send together. */
        account: Bucket.default({ burst: 500, perMinute: 12000 }),
        /** Open connections per session and per account; one more → `connection.too_many` and close 4429. */
        maxConnectionsPerSession: z.number().int().min(1).max(10_000).default(8),
        maxConnectionsPerAccount: z.number().int().min(1).max(100_000).default(32),
        /**
         * Connections of this node reading their backlog at once; the rest wait their turn after `ready`.
         * A reconnect storm is then served a few devices at a time, each to its end.
         */
        backlogSlots: z.number().int().min(1).max(10_000).default(32),
        /**
         * The longest a connection keeps its slot: one that stops reading (its backlog then waits on a full
         * socket) gives the slot up after this and carries on without it, so a few stalled clients cannot
         * hold every device of the node back.
         */
        backlogSlotSeconds: z.number().int().min(1).max(3600).default(5),
        /** Every connection is pinged this often; one that has not answered the previous ping is cut off. */
        pingIntervalSeconds: z.number().int().min(1).max(3600).default(30),
      })
      .strict()
      .prefault({}),
    mls: z
      .object({
        /** false: this server offers no end-to-end encryption; every conversation is `visible` (mode.default_visible). */
        enabled: z.boolean().default(true),
        /** Cipher suites whose key packages the server accepts (first = the one clients should use). */
        allowedSuites: z.array(z.enum(SUITE_NAMES as unknown as [string, ...string[]])).min(1).default([DEFAULT_SUITE]),
      })
      .strict()
      .prefault({}),
    franking: z
      .object({
        /** Key id new tags use; unset: `default` (derived from the message key). */
        currentKeyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
        /** Extra franking secrets by key id (base64, at least 32 bytes); keep old ids to verify old tags. */
        secrets: z
          .record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.string().refine((s) => Buffer.from(s, 'base64').length >= 32, 'base64 of at least 32 bytes'))
          .default({}),
      })
      .strict()
      .prefault({}),
    media: z
      .object({
        /** Largest upload (bytes, as stored: ciphertext for e2ee). */
        maxBytes: z.number().int().min(1024).max(4 * 1024 * 1024 * 1024).default(100 * 1024 * 1024),
        /**
         * Image decoding for safety scans (issue 13, item 14; the memory budget is in docs/THREAT-MODEL.md):
         * the largest image file read for a scan, the most pixels an image may declare, the size up to which
         * it is decoded whole (bit-exact PDQ; larger ones shrink on load), how many decode at once, and how
         * many may wait before uploads get `server.busy`.
         */
        maxScanBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(32 * 1024 * 1024),
        maxPixels: z.number().int().min(1).max(1_000_000_000).default(100_000_000),
        referencePixels: z.number().int().min(0).max(268_435_456).default(16_777_216),
        decodeConcurrency: z.number().int().min(1).max(64).default(2),
        decodeQueue: z.number().int().min(0).max(10_000).default(16),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        /** base64 of 32 bytes; unset: generated once into <dataDir>/message.key (mode 0600). */
        messageKey: z
          .string()
          .refine((s) => Buffer.from(s, 'base64').length === 32, 'base64 of exactly 32 bytes')
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Transparency statistics (issue 10): the public page, and small-count suppression for it. */
    transparency: z
      .object({
        /** true: anyone may read GET /v1/stats (suppressed); false: admins only. */
        public: z.boolean().default(false),
        /** Counts from 1 to suppressBelow-1 are shown as `<suppressBelow` to the public; 0 or 1: none. */
        suppressBelow: z.number().int().min(0).max(100).default(5),
      })
      .strict()
      .prefault({}),
    /** The web app served at `/` (packages/web, built at install). */
    web: z
      .object({
        /** false: serve the API only (`/` answers 404). */
        enabled: z.boolean().default(true),
        /** The built app's folder (index.html, assets/); unset: packages/web/dist of this checkout. */
        dir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** The safety policy (preset, contact rules, help, signals): validated by @haven/safety (P5). */
    safety: SafetyConfig.prefault({}),
    /** Cases, evidence and referrals (issue 9, docs/decisions/0008-moderation.md). */
    moderation: z
      .object({
        /** How long evidence is kept after a case's last new item, unless on legal hold. */
        evidenceRetentionDays: z.number().int().min(1).max(3650).default(365),
        /** How often the purge job runs (minutes). */
        purgeIntervalMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
        /** How often waiting risk-signal hits are raised into the moderators' queue (seconds). */
        signalQueueSeconds: z.number().int().min(1).max(24 * 3600).default(60),
        /** Minutes until a case of each priority is due (M7). */
        dueMinutes: z
          .object({ urgent: z.number().int().min(1).default(60), high: z.number().int().min(1).default(240), normal: z.number().int().min(1).default(1440), low: z.number().int().min(1).default(4320) })
          .strict()
          .prefault({}),
        /**
         * IP capture (issue 9 item 5): the address of each sign-in and media upload, kept for `retentionDays`
         * and copied into a case's evidence (the `windowDays` before it opens) for referrals. Off unless the
         * operator turns it on: IP addresses are personal data (docs/THREAT-MODEL.md). Behind a reverse proxy
         * the address is X-Forwarded-For only where `server.trustProxy` is set.
         */
        ipCapture: z
          .object({
            enabled: z.boolean().default(false),
            retentionDays: z.number().int().min(1).max(3650).default(90),
            windowDays: z.number().int().min(1).max(3650).default(30),
          })
          .strict()
          .prefault({}),
        referral: z
          .object({
            /** Who the referral names as reporting company and contact. */
            espName: z.string().min(1).max(200).default('Haven'),
            contactEmail: z.string().min(3).max(200).default('safety@haven.invalid'),
            legalUrl: z.string().max(500).default('https://haven.invalid/legal'),
            /** CyberTipline-style web service base URL; unset: packages are only exported, never sent. */
            submitUrl: z.string().regex(/^https?:\/\//, 'an http(s):// URL').optional(),
            username: z.string().max(200).optional(),
            password: z.string().max(500).optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  // Several nodes read each other's messages, so they must share one key; a per-node generated key would not.
  .refine((c) => c.franking.currentKeyId === undefined || c.franking.currentKeyId === 'default' || c.franking.currentKeyId in c.franking.secrets, {
    path: ['franking', 'currentKeyId'],
    message: 'must be "default" or name one of franking.secrets',
  })
  .refine((c) => !c.nats.url || c.storage.messageKey !== undefined, {
    path: ['storage', 'messageKey'],
    message: 'required when nats.url is set: every node must use the same message key (base64 of 32 bytes)',
  });

/** A validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a config file, the environment or a caller may give: every key optional. */
export type ConfigInput = z.input<typeof ConfigSchema>;
