import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial';
import { policy } from './0002-policy';
import { mls } from './0003-mls';
import { media } from './0004-media';
import { sealedMedia } from './0005-sealed-media';
import { delivery } from './0007-delivery';
import { moderation } from './0008-moderation';
import { stats } from './0009-stats';
import { signals } from './0010-signals';
import { devices } from './0011-devices';
import { caseAudit } from './0012-case-audit';
import { ipCapture } from './0013-ip-capture';
import { sextortionShield } from './0014-sextortion-shield';
import { mlsDigestUnique } from './0015-mls-digest-unique';
import { sendContextChanges } from './0016-send-context-changes';

/** Every migration by its number, in order. Static, so no file-system scan at start. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-policy': policy,
  '0003-mls': mls,
  '0004-media': media,
  '0005-sealed-media': sealedMedia,
  '0007-delivery': delivery,
  '0008-moderation': moderation,
  '0009-stats': stats,
  '0010-signals': signals,
  '0011-devices': devices,
  '0012-case-audit': caseAudit,
  '0013-ip-capture': ipCapture,
  '0014-sextortion-shield': sextortionShield,
  '0015-mls-digest-unique': mlsDigestUnique,
  '0016-send-context-changes': sendContextChanges,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).at(-1)!;
